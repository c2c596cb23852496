//! Serving until SIGTERM or Ctrl-C, then stopping in order: no new connections, every
//! request in flight answered (queued ingest batches are written before their senders are
//! answered), the request log flushed — within `SHUTDOWN_TIMEOUT_SECS`.

use super::router_with_writers;
use crate::config::Config;
use leptos::prelude::*;
use sea_orm::DatabaseConnection;

pub async fn serve(db: DatabaseConnection, config: Config) -> anyhow::Result<()> {
    let conf = get_configuration(None)?;
    let options = conf.leptos_options;
    let addr = options.site_addr;
    if let Some(token) = crate::setup::issue_token(&db, chrono::Utc::now())
        .await
        .map_err(|e| anyhow::anyhow!("{}", app::error::AppError::from(e)))?
    {
        let base = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"));
        tracing::info!("no organization yet: create the first one at {base}/setup?token={token}");
    }
    let grace = config.shutdown_timeout;
    let (app, log_writer) = router_with_writers(db, options, config);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("dashboard on http://{addr}");
    let (stopping, stopped) = tokio::sync::oneshot::channel();
    // The client address feeds the login rate limit.
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        stop_signal().await;
        tracing::info!("stopping: answering the requests in flight");
        let _ = stopping.send(());
    });
    let deadline = async {
        let _ = stopped.await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        served = server => served?,
        () = deadline => tracing::warn!("requests still running after {grace:?}: stopping anyway"),
    }
    match tokio::time::timeout(grace, log_writer).await {
        Ok(_) => tracing::info!("stopped: every request answered, the request log written"),
        Err(_) => tracing::warn!("the request log was not written within {grace:?}"),
    }
    Ok(())
}

async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
