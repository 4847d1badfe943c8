//! Failure injection: the cases use-cases.

#[allow(unused_imports)]
use crate::common::TestApp;
#[allow(unused_imports)]
use crate::on_both;
