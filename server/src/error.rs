//! The server's one error type: wraps domain errors and database failures, and turns them
//! into JSON HTTP answers or into `AppError` for server functions.

use app::error::AppError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sea_orm::DbErr;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

impl Error {
    /// The same problem under the name the caller's request gives the field: `rename` maps
    /// a field name to the new one, or `None` to keep it.
    /// A refusal whose message names its field (`per_unit: must not be negative`), for a
    /// page form of many fields that shows the message alone.
    pub fn field_in_message(self) -> Error {
        match self {
            Error::App(AppError::Invalid { field, message }) => {
                let message = format!("{}: {message}", field.replace('_', " "));
                AppError::Invalid { field, message }.into()
            }
            other => other,
        }
    }

    pub fn rename_field(self, rename: impl FnOnce(&str) -> Option<String>) -> Error {
        match self {
            Error::App(AppError::Invalid { field, message }) => {
                let field = rename(&field).unwrap_or(field);
                AppError::Invalid { field, message }.into()
            }
            other => other,
        }
    }
}

impl From<Error> for AppError {
    fn from(e: Error) -> AppError {
        match e {
            Error::App(a) => a,
            Error::Db(d) => {
                tracing::error!("database error: {d}");
                AppError::Internal("database error".into())
            }
        }
    }
}

/// The REST API's error body: `error` names the kind, the other keys are its fields.
fn json_body(e: &AppError) -> serde_json::Value {
    use serde_json::json;
    match e {
        AppError::Unauthorized => json!({"error": "unauthorized"}),
        AppError::Forbidden { reason } => json!({"error": "forbidden", "reason": reason}),
        AppError::NotFound { what } => json!({"error": "not_found", "what": what}),
        AppError::Invalid { field, message } => {
            json!({"error": "invalid", "field": field, "message": message})
        }
        AppError::TooLarge { field, message } => {
            json!({"error": "too_large", "field": field, "message": message})
        }
        AppError::BadCredentials => json!({"error": "bad_credentials"}),
        AppError::RateLimited { retry_after_secs } => {
            json!({"error": "rate_limited", "retry_after_secs": retry_after_secs})
        }
        AppError::Unavailable {
            message,
            retry_after_secs,
        } => {
            json!({"error": "unavailable", "message": message, "retry_after_secs": retry_after_secs})
        }
        AppError::Internal(m) | AppError::Transport(m) => {
            json!({"error": "internal", "message": m})
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let app: AppError = self.into();
        let status =
            StatusCode::from_u16(app.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = app.retry_after();
        let mut body = json_body(&app);
        // The field-specific text stays under `message`; `detail` is the full sentence.
        body["detail"] = serde_json::Value::String(app.to_string());
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}
