//! How a page's numbers travel from its server function to the browser: postcard, both in the
//! server function's answer (`#[server(output = Postcard)]`) and in the resource that carries
//! the first render's answer into the hydrating page. Compact to decode and small in the wasm
//! (no field names to match, no JSON text to parse).

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Serialize, de::DeserializeOwned};

pub use leptos::server_fn::codec::Postcard;

/// The codec of every resource holding a server function's answer.
pub type Codec = codee::binary::PostcardCodec;

/// A server function's answer as a page holds it.
pub type Data<T> = Resource<Result<T, AppError>, Codec>;

/// A resource of `fetcher(source())`, refetched when `source` changes.
#[track_caller]
pub fn resource<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Data<T>
where
    S: Send + Sync + Clone + PartialEq + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}
