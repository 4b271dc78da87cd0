//! Smoke tests of the moto emulator through the real AWS SDK clients: an SSM SecureString with
//! versions read back with decryption, and an SQS queue round trip. They skip (printing
//! `SKIP: moto unavailable`) when moto cannot be installed, and fail when `CI=true`.

use aws_sdk_ssm::types::ParameterType;
use testkit::{moto_or_skip, unique_name};

#[tokio::test]
async fn ssm_secure_string_with_versions() {
    let sdk = moto_or_skip!();
    let ssm = aws_sdk_ssm::Client::new(&sdk);
    let name = format!("/logship/test/{}", unique_name("token"));
    for (value, overwrite) in [("first-secret", false), ("second-secret", true)] {
        ssm.put_parameter()
            .name(&name)
            .value(value)
            .r#type(ParameterType::SecureString)
            .overwrite(overwrite)
            .send()
            .await
            .unwrap();
    }
    let parameter = ssm
        .get_parameter()
        .name(&name)
        .with_decryption(true)
        .send()
        .await
        .unwrap()
        .parameter
        .unwrap();
    assert_eq!(parameter.value(), Some("second-secret"));
    assert_eq!(parameter.version(), 2);
    assert_eq!(parameter.r#type(), Some(&ParameterType::SecureString));

    // Without decryption the value is not the plain text.
    let encrypted = ssm
        .get_parameter()
        .name(&name)
        .with_decryption(false)
        .send()
        .await
        .unwrap()
        .parameter
        .unwrap();
    assert_ne!(encrypted.value(), Some("second-secret"));

    // A missing parameter is a ParameterNotFound service error.
    let error = ssm
        .get_parameter()
        .name(format!("{name}-missing"))
        .send()
        .await
        .unwrap_err();
    assert!(error.into_service_error().is_parameter_not_found());
}

#[tokio::test]
async fn sqs_send_and_receive() {
    let sdk = moto_or_skip!();
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let queue_url = sqs
        .create_queue()
        .queue_name(unique_name("dlq"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let batch = sqs
        .send_message_batch()
        .queue_url(&queue_url)
        .entries(
            aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                .id("0")
                .message_body(r#"{"version":1,"reason":"test"}"#)
                .build()
                .unwrap(),
        )
        .entries(
            aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                .id("1")
                .message_body("second")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(batch.successful.len(), 2);
    assert!(batch.failed.is_empty());

    let mut bodies = Vec::new();
    for _ in 0..5 {
        let received = sqs
            .receive_message()
            .queue_url(&queue_url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        bodies.extend(
            received
                .messages()
                .iter()
                .filter_map(|m| m.body().map(str::to_string)),
        );
        if bodies.len() == 2 {
            break;
        }
    }
    bodies.sort();
    assert_eq!(bodies, ["second", r#"{"version":1,"reason":"test"}"#]);
}

#[tokio::test]
async fn one_server_per_process() {
    let _ = moto_or_skip!();
    let a = testkit::moto::endpoint().unwrap();
    let b = tokio::task::spawn_blocking(testkit::moto::endpoint)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a, b);
    assert!(a.starts_with("http://127.0.0.1:"));
}
