//! The FaceAuth simulator (issue 3).
