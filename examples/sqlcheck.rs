use datafusion::prelude::*;
#[tokio::main]
async fn main() {
    let ctx = SessionContext::new();
    let sql = std::env::args().nth(1).unwrap();
    match ctx.sql(&sql).await {
        Ok(df) => match df.show().await {
            Ok(_) => {}
            Err(e) => println!("EXEC ERR {e}"),
        },
        Err(e) => println!("PLAN ERR {e}"),
    }
}
