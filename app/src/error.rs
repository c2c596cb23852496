//! The one error type shared by server functions and the REST API: the server functions send
//! it as postcard (the page matches on its variant), the REST API as JSON
//! (`server::error`), both with the HTTP status of [`AppError::status`].

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    Unauthorized,
    #[error("not allowed: {reason}")]
    Forbidden { reason: String },
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("invalid {field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{field} too large: {message}")]
    TooLarge { field: String, message: String },
    #[error("wrong email or password")]
    BadCredentials,
    #[error("too many attempts; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("{message}; try again in {retry_after_secs} s")]
    Unavailable {
        message: String,
        retry_after_secs: u64,
    },
    #[error("internal error: {0}")]
    Internal(String),
    /// The browser could not reach the server function or read its answer.
    #[error("{0}")]
    Transport(String),
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::PostcardEncoding;

    fn from_server_fn_error(e: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match e {
            // Arguments the server function cannot read are the caller's mistake: a 400.
            E::Args(message) | E::MissingArg(message) => invalid_arguments(message),
            // On the server, what fails to deserialize is a request body (not valid UTF-8…).
            #[cfg(feature = "ssr")]
            E::Deserialization(message) => invalid_arguments(message),
            e => AppError::Transport(e.to_string()),
        }
    }
}

fn invalid_arguments(message: String) -> AppError {
    into_server_error(AppError::Invalid {
        field: "arguments".into(),
        message,
    })
}

/// The error of a server function, with the HTTP status its kind calls for.
pub fn into_server_error(e: AppError) -> AppError {
    #[cfg(feature = "ssr")]
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        let status = http::StatusCode::from_u16(e.status())
            .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        response.set_status(status);
        if let Some(secs) = e.retry_after() {
            response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
        }
    }
    e
}

impl AppError {
    /// The HTTP status of this kind of error, for the REST API and server functions alike.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthorized | AppError::BadCredentials => 401,
            AppError::Forbidden { .. } => 403,
            AppError::NotFound { .. } => 404,
            AppError::Invalid { .. } => 400,
            AppError::TooLarge { .. } => 413,
            AppError::RateLimited { .. } => 429,
            AppError::Unavailable { .. } => 503,
            AppError::Internal(_) | AppError::Transport(_) => 500,
        }
    }

    /// Seconds the client should wait before trying again (`Retry-After`), if any.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after_secs }
            | AppError::Unavailable {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// What a form shows after "Not done:": the reason alone, without the field's name.
    pub fn reason(&self) -> String {
        match self {
            AppError::Invalid { message, .. } | AppError::TooLarge { message, .. } => {
                message.clone()
            }
            AppError::Forbidden { reason } => reason.clone(),
            other => other.to_string(),
        }
    }

    pub fn unavailable(message: impl Into<String>, retry_after_secs: u64) -> Self {
        AppError::Unavailable {
            message: message.into(),
            retry_after_secs,
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
    pub fn not_found(what: impl Into<String>) -> Self {
        AppError::NotFound { what: what.into() }
    }
    pub fn forbidden(reason: impl Into<String>) -> Self {
        AppError::Forbidden {
            reason: reason.into(),
        }
    }
    pub fn internal(e: impl std::fmt::Display) -> Self {
        AppError::Internal(e.to_string())
    }
}
