//! Small SQL building blocks shared by the query services.

use sea_orm::sea_query::{Alias, Expr, Func, SimpleExpr};
use sea_orm::{ColumnTrait, IntoSimpleExpr};

/// `CAST(COALESCE(SUM(col), 0) AS BIGINT)`: PostgreSQL sums BIGINT into NUMERIC, and an
/// empty SUM is NULL; both backends then decode into `i64`.
pub fn sum_i64<C: ColumnTrait>(col: C) -> SimpleExpr {
    sum_expr_i64(col.into_simple_expr())
}

/// [`sum_i64`] of any expression (e.g. a column of an aliased table).
pub fn sum_expr_i64(e: SimpleExpr) -> SimpleExpr {
    let sum: SimpleExpr = Func::sum(e).into();
    Func::cast_as(Func::coalesce([sum, Expr::val(0i64)]), Alias::new("BIGINT")).into()
}
