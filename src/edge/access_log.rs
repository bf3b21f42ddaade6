//! Writing access-log rows to D1. A failed insert goes to the console, never to the client.

use worker::Env;
use worker::wasm_bindgen::JsValue;

use crate::config::Log;
use crate::pipeline::{Facts, SqlValue, row};

/// Inserts the row for `facts` into `log`.
pub async fn write(env: &Env, log: &Log, facts: &Facts) {
    let row = row::row(log, facts);
    let values: Vec<JsValue> = row
        .values
        .iter()
        .map(|v| match v {
            SqlValue::Null => JsValue::NULL,
            SqlValue::Integer(i) => JsValue::from_f64(*i as f64),
            SqlValue::Text(t) => JsValue::from_str(t),
        })
        .collect();
    let result = async {
        let db = env.d1(&log.binding)?;
        db.prepare(&row.sql).bind(&values)?.run().await
    }
    .await;
    if let Err(err) = result {
        worker::console_error!(
            "access log: could not insert into `{}` (D1 `{}`) for request {}: {err}",
            log.table,
            log.binding,
            facts.request_id
        );
    }
}
