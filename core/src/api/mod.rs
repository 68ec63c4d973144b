//! The blocking FaceAuth REST client (filled in by issue 3).

mod model;

pub use model::AuthStatus;
