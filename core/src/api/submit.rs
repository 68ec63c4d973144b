use super::ApiError;

/// A selfie to compare with an approved ID check submission (POST /faceauth).
#[derive(Clone)]
pub struct Submission<'a> {
    submission_id: &'a str,
    image: &'a [u8],
    file_name: &'a str,
    content_type: Option<&'a str>,
    fields: [(&'static str, Option<&'a str>); 4],
}

impl<'a> Submission<'a> {
    /// A selfie for submission `submission_id`. The file name defaults to `face.jpg` and the
    /// content type is sniffed from the image's bytes.
    pub fn new(submission_id: &'a str, image: &'a [u8]) -> Self {
        Submission {
            submission_id,
            image,
            file_name: "face.jpg",
            content_type: None,
            fields: [("userId", None), ("cf1", None), ("cf2", None), ("cf3", None)],
        }
    }

    /// The file name sent with the image.
    pub fn file_name(mut self, name: &'a str) -> Self {
        self.file_name = name;
        self
    }

    /// The image's content type, instead of the sniffed one.
    pub fn content_type(mut self, content_type: &'a str) -> Self {
        self.content_type = Some(content_type);
        self
    }

    /// `userId`.
    pub fn user_id(mut self, value: &'a str) -> Self {
        self.fields[0].1 = Some(value);
        self
    }

    /// `cf1`.
    pub fn cf1(mut self, value: &'a str) -> Self {
        self.fields[1].1 = Some(value);
        self
    }

    /// `cf2`.
    pub fn cf2(mut self, value: &'a str) -> Self {
        self.fields[2].1 = Some(value);
        self
    }

    /// `cf3`.
    pub fn cf3(mut self, value: &'a str) -> Self {
        self.fields[3].1 = Some(value);
        self
    }

    /// The approved ID check submission this selfie is compared with.
    pub fn submission_id(&self) -> &str {
        self.submission_id
    }

    /// Checks the fields and encodes the `multipart/form-data` body: (content type, body).
    pub(crate) fn to_multipart(&self) -> Result<(String, Vec<u8>), ApiError> {
        if self.submission_id.trim().is_empty() {
            return Err(ApiError::invalid("the submission id is empty"));
        }
        if self.image.is_empty() {
            return Err(ApiError::invalid("the image is empty"));
        }
        // Values go into part bodies; names into headers, where quotes and line breaks would
        // let a value forge a header.
        let header_safe = |s: &str| !s.chars().any(|c| c.is_control() || c == '"');
        if !header_safe(self.file_name) || self.file_name.is_empty() {
            return Err(ApiError::invalid("the file name is empty or has quotes or control characters"));
        }
        let content_type = self.content_type.unwrap_or_else(|| sniff_or_jpeg(self.image));
        if !header_safe(content_type) || !content_type.contains('/') {
            return Err(ApiError::invalid("the content type is not of the form type/subtype"));
        }
        let texts = std::iter::once(("submissionId", Some(self.submission_id))).chain(self.fields);
        let mut random = [0u8; 12];
        getrandom::fill(&mut random).map_err(|e| ApiError::invalid(format!("OS random source: {e}")))?;
        let boundary: String = std::iter::once("faceauth-".to_owned())
            .chain(random.iter().map(|b| format!("{b:02x}")))
            .collect();

        let mut body = Vec::with_capacity(self.image.len() + 1024);
        for (name, value) in texts {
            let Some(value) = value else { continue };
            if value.contains(boundary.as_str()) {
                return Err(ApiError::invalid("a field contains the multipart boundary"));
            }
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"faceImage\"; filename=\"{}\"\r\n\
                 Content-Type: {content_type}\r\n\r\n",
                self.file_name
            )
            .as_bytes(),
        );
        body.extend_from_slice(self.image);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        Ok((format!("multipart/form-data; boundary={boundary}"), body))
    }
}

impl std::fmt::Debug for Submission<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submission")
            .field("submission_id", &self.submission_id)
            .field("image", &self.image.len())
            .field("file_name", &self.file_name)
            .finish_non_exhaustive()
    }
}

fn sniff_or_jpeg(image: &[u8]) -> &'static str {
    match image {
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        _ => "image/jpeg",
    }
}
