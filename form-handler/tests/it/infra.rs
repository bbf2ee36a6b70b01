//! The deployment template (infra/template.yaml) against the code: the environment
//! variables the binary reads, the routes it serves, the DynamoDB actions and index it
//! uses, and the headers its CloudFront function passes. A rename on either side fails
//! here, not in production.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::get_item::GetItemInput;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use form_handler::forms::Forms;
use form_handler::http::{self, AppState, RateLimiter};
use form_handler::store::Store;
use form_handler::store::dynamo::{DynamoStore, IAM_ACTIONS, INDEX, OPERATIONS, READ_ATTRIBUTES};
use form_handler::store::local::LocalStore;
use serde_yaml::Value;

pub(crate) fn template() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/template.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

pub(crate) fn resource<'a>(template: &'a Value, name: &str) -> &'a Value {
    let r = &template["Resources"][name];
    assert!(!r.is_null(), "the template has no resource {name}");
    r
}

/// A plain string, or the text inside a short-form intrinsic (`!Sub "..."`).
pub(crate) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Tagged(t) => text(&t.value),
        other => panic!("expected text, found {other:?}"),
    }
}

pub(crate) fn strings(v: &Value) -> BTreeSet<String> {
    match v {
        Value::Sequence(items) => items.iter().map(text).collect(),
        other => BTreeSet::from([text(other)]),
    }
}

/// The handler with an in-memory store, on a day the mini-course round is open.
fn in_memory() -> AppState {
    AppState::new(
        Forms::embedded().unwrap(),
        Store::Local(LocalStore::in_memory()),
        crate::api::day("2019-03-01"),
        RateLimiter::new(100),
        None,
    )
}

#[test]
fn the_lambda_gets_the_environment_the_binary_reads() {
    let t = template();
    let vars = resource(&t, "FormHandler")["Properties"]["Environment"]["Variables"]
        .as_mapping()
        .expect("FormHandler has environment variables");
    let names: BTreeSet<&str> = vars.keys().map(|k| k.as_str().unwrap()).collect();
    let known: BTreeSet<&str> = form_handler::env::ALL.iter().copied().collect();
    let unknown: Vec<_> = names.difference(&known).collect();
    assert!(
        unknown.is_empty(),
        "the template sets variables the binary never reads: {unknown:?}"
    );
    assert!(names.contains(form_handler::env::APPLICATIONS_TABLE));
    assert_eq!(
        text(&vars[form_handler::env::APPLICATIONS_TABLE]),
        "ApplicationsTable"
    );
}

#[test]
fn the_api_routes_are_the_handler_routes() {
    let t = template();
    let events = resource(&t, "FormHandler")["Properties"]["Events"]
        .as_mapping()
        .unwrap();
    let mut routes = BTreeSet::new();
    for event in events.values() {
        assert_eq!(text(&event["Type"]), "HttpApi");
        // Every method: the handler answers 405 with Allow itself.
        assert_eq!(text(&event["Properties"]["Method"]), "ANY");
        assert_eq!(text(&event["Properties"]["ApiId"]), "HttpApi");
        routes.insert(text(&event["Properties"]["Path"]));
    }
    let served: BTreeSet<String> = http::ROUTES.iter().map(|r| r.to_string()).collect();
    assert_eq!(routes, served);
    // CloudFront sends /api/* to the API, so every route must be under it.
    assert!(routes.iter().all(|r| r.starts_with("/api/")));
}

#[tokio::test]
async fn each_template_route_reaches_a_handler() {
    let state = Arc::new(in_memory());
    let t = template();
    for event in resource(&t, "FormHandler")["Properties"]["Events"]
        .as_mapping()
        .unwrap()
        .values()
    {
        // Fill the path parameters: a form that exists, a well-formed reference.
        let path = text(&event["Properties"]["Path"])
            .replace("{form}", "minivejledning")
            .replace("{reference}", "ABCDEFGHR");
        // DELETE is routed by the API (ANY) and must get the handler's 405, not 404.
        let request = Request::delete(&path).body(Body::empty()).unwrap();
        let (status, headers, _) = crate::api::send(&state, request).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert!(headers.contains_key("allow"), "{path}");
    }
    // And a path outside the routes is not the handler's.
    let request = Request::get("/api/other").body(Body::empty()).unwrap();
    assert_eq!(
        crate::api::send(&state, request).await.0,
        StatusCode::NOT_FOUND
    );
}

#[test]
fn the_lambda_may_do_exactly_what_the_store_does_on_the_table() {
    let t = template();
    let statements = resource(&t, "FormHandlerPolicy")["Properties"]["PolicyDocument"]["Statement"]
        .as_sequence()
        .unwrap();
    let granted: BTreeSet<String> = statements
        .iter()
        .flat_map(|s| strings(&s["Action"]))
        .filter(|a| a.starts_with("dynamodb:"))
        .collect();
    let needed: BTreeSet<String> = IAM_ACTIONS.iter().map(|a| a.to_string()).collect();
    assert_eq!(granted, needed);
    // On the table only: the index is for the export, with the operator's credentials.
    let resources: BTreeSet<String> = statements
        .iter()
        .filter(|s| {
            strings(&s["Action"])
                .iter()
                .any(|a| a.starts_with("dynamodb:"))
        })
        .flat_map(|s| strings(&s["Resource"]))
        .collect();
    assert_eq!(
        resources,
        BTreeSet::from(["ApplicationsTable.Arn".to_string()])
    );
    // Its own items only: the prefixes of the keys the store writes.
    for s in statements.iter().filter(|s| {
        strings(&s["Action"])
            .iter()
            .any(|a| a.starts_with("dynamodb:"))
    }) {
        let prefixes: BTreeSet<String> = form_handler::store::dynamo::KEY_PREFIXES
            .iter()
            .map(|p| format!("{p}*"))
            .collect();
        assert_eq!(
            strings(&s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]),
            prefixes
        );
    }
}

/// The reads are limited to what a receipt needs, in the template and in the code.
#[test]
fn the_lambda_reads_only_the_attributes_the_store_reads() {
    let t = template();
    let statements = resource(&t, "FormHandlerPolicy")["Properties"]["PolicyDocument"]["Statement"]
        .as_sequence()
        .unwrap();
    let reads: Vec<&Value> = statements
        .iter()
        .filter(|s| strings(&s["Action"]).contains("dynamodb:GetItem"))
        .collect();
    assert_eq!(reads.len(), 1, "one statement grants GetItem");
    let condition = &reads[0]["Condition"];
    let attributes = strings(&condition["ForAllValues:StringEquals"]["dynamodb:Attributes"]);
    let read: BTreeSet<String> = READ_ATTRIBUTES.iter().map(|a| a.to_string()).collect();
    assert_eq!(attributes, read);
    assert_eq!(
        text(&condition["StringEqualsIfExists"]["dynamodb:Select"]),
        "SPECIFIC_ATTRIBUTES"
    );
    assert!(
        !attributes.contains("fields"),
        "the answers are never read back"
    );
}

/// Records the GetItem requests a client makes.
#[derive(Debug, Clone, Default)]
struct Reads(Arc<std::sync::Mutex<Vec<GetItemInput>>>);

impl Intercept for Reads {
    fn name(&self) -> &'static str {
        "Reads"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(get) = context.input().downcast_ref::<GetItemInput>() {
            self.0.lock().unwrap().push(get.clone());
        }
        Ok(())
    }
}

/// Every GetItem the handler makes (the receipt page, an idempotent retry) asks for
/// [`READ_ATTRIBUTES`] by name and for nothing else, as the grant above requires: a read
/// without a projection would be refused in AWS.
#[tokio::test]
async fn every_read_the_handler_makes_names_only_the_granted_attributes() {
    let moto = crate::Moto::start();
    let reads = Reads::default();
    let config = moto
        .client()
        .config()
        .to_builder()
        .interceptor(reads.clone())
        .build();
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(config), "reads");
    store.create_table_if_missing().await.unwrap();
    let state = Arc::new(AppState::new(
        Forms::embedded().unwrap(),
        Store::Dynamo(store),
        crate::api::day("2019-03-01"),
        RateLimiter::new(100),
        None,
    ));
    let keyed = || {
        Request::post("/api/applications/minivejledning")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("idempotency-key", "6d1f0c3e-2b7a-4e0d-9c1f-8a2b3c4d5e6f")
            .body(Body::from(crate::api::VALID))
            .unwrap()
    };
    let (status, headers, _) = crate::api::send(&state, keyed()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers["location"].to_str().unwrap().to_string();
    // The retry reads the idempotency record; the receipt page reads the application.
    let (status, retry, _) = crate::api::send(&state, keyed()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(retry["location"], location.as_str());
    let (status, _, page) =
        crate::api::send(&state, Request::get(&location).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{page}");

    let reads = reads.0.lock().unwrap().clone();
    let keys: BTreeSet<String> = reads
        .iter()
        .map(|r| {
            r.key().unwrap()["pk"]
                .as_s()
                .unwrap()
                .split('#')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from(["APP".into(), "IDEM".into()]),
        "{reads:?}"
    );
    for read in &reads {
        let names = read
            .expression_attribute_names()
            .expect("every read names its attributes: a read without them gets every one");
        let asked: BTreeSet<&str> = read
            .projection_expression()
            .expect("every read has a projection")
            .split(',')
            .map(|token| names[token.trim()].as_str())
            .collect();
        assert_eq!(asked, READ_ATTRIBUTES.iter().copied().collect(), "{read:?}");
    }
}

#[test]
fn the_table_has_the_index_and_ttl_the_store_uses() {
    let t = template();
    let props = &resource(&t, "ApplicationsTable")["Properties"];
    let indexes: Vec<String> = props["GlobalSecondaryIndexes"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|i| text(&i["IndexName"]))
        .collect();
    assert_eq!(
        indexes,
        [INDEX, form_handler::store::dynamo::outbox::PENDING_INDEX]
    );
    assert_eq!(
        text(&props["TimeToLiveSpecification"]["AttributeName"]),
        "expires_at"
    );
}

#[test]
fn the_throttling_and_error_alarms_cover_every_operation_the_store_calls() {
    let t = template();
    let called: BTreeSet<String> = OPERATIONS.iter().map(|o| o.to_string()).collect();
    for alarm in ["TableThrottledRequestsAlarm", "TableSystemErrorsAlarm"] {
        let operations: BTreeSet<String> = resource(&t, alarm)["Properties"]["Metrics"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|m| m["MetricStat"]["Metric"]["Dimensions"].as_sequence())
            .flatten()
            .filter(|d| text(&d["Name"]) == "Operation")
            .map(|d| text(&d["Value"]))
            .collect();
        assert_eq!(operations, called, "{alarm}");
    }
}

#[test]
fn the_cloudfront_function_sets_the_headers_the_handler_reads() {
    let t = template();
    let code = text(&resource(&t, "ApiViewerFunction")["Properties"]["FunctionCode"]);
    for header in [http::VIEWER_ADDRESS_HEADER, http::VIEWER_HOST_HEADER] {
        assert!(
            code.contains(&format!("request.headers['{header}'] =")),
            "ApiViewerFunction does not set {header}"
        );
    }
}

#[test]
fn the_local_servers_send_the_security_headers_cloudfront_sends() {
    let t = template();
    let config =
        &resource(&t, "SecurityHeadersPolicy")["Properties"]["ResponseHeadersPolicyConfig"];
    let security = &config["SecurityHeadersConfig"];
    let mut production = vec![
        (
            "content-security-policy".to_string(),
            text(&security["ContentSecurityPolicy"]["ContentSecurityPolicy"]),
        ),
        ("x-content-type-options".to_string(), "nosniff".to_string()),
        (
            "x-frame-options".to_string(),
            text(&security["FrameOptions"]["FrameOption"]),
        ),
        (
            "referrer-policy".to_string(),
            text(&security["ReferrerPolicy"]["ReferrerPolicy"]),
        ),
    ];
    for custom in config["CustomHeadersConfig"]["Items"]
        .as_sequence()
        .unwrap()
    {
        production.push((
            text(&custom["Header"]).to_lowercase(),
            text(&custom["Value"]),
        ));
    }
    let local: Vec<(String, String)> = http::SECURITY_HEADERS
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(local, production);
}

#[tokio::test]
async fn the_local_router_answers_carry_the_security_headers() {
    use tower::ServiceExt;
    let state = Arc::new(in_memory());
    let app = http::with_security_headers(http::router(state));
    let request = Request::get("/api/applications/minivejledning/kvittering/ABCDEFGHR")
        .body(Body::empty())
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    for (name, value) in http::SECURITY_HEADERS {
        assert_eq!(response.headers()[*name], *value, "{name}");
    }
}

#[test]
fn cloudfront_sends_the_origin_secret_the_lambda_expects() {
    let t = template();
    let origins = resource(&t, "Distribution")["Properties"]["DistributionConfig"]["Origins"]
        .as_sequence()
        .unwrap();
    let api = origins
        .iter()
        .find(|o| text(&o["Id"]) == "api")
        .expect("an origin api");
    let headers = api["OriginCustomHeaders"].as_sequence().unwrap();
    let secret = headers
        .iter()
        .find(|h| text(&h["HeaderName"]) == http::ORIGIN_SECRET_HEADER)
        .expect("CloudFront adds the origin secret header");
    let env = &resource(&t, "FormHandler")["Properties"]["Environment"]["Variables"];
    assert_eq!(
        secret["HeaderValue"],
        env[form_handler::env::ORIGIN_SECRET],
        "the header's value and ORIGIN_SECRET must be the same expression"
    );
}

#[tokio::test]
async fn with_an_origin_secret_only_requests_through_cloudfront_are_served() {
    let state = Arc::new(in_memory().with_origin_secret(Some("5f0c2a10-stack-id".into())));
    let status = async |secret: Option<&str>| {
        let mut request = Request::get("/api/applications/minivejledning/kvittering/ABCDEFGHR");
        if let Some(secret) = secret {
            request = request.header(http::ORIGIN_SECRET_HEADER, secret);
        }
        crate::api::send(&state, request.body(Body::empty()).unwrap())
            .await
            .0
    };
    assert_eq!(status(None).await, StatusCode::FORBIDDEN);
    assert_eq!(
        status(Some("5f0c2a10-stack-iX")).await,
        StatusCode::FORBIDDEN
    );
    // Served: a well-formed reference that is not stored.
    assert_eq!(
        status(Some("5f0c2a10-stack-id")).await,
        StatusCode::NOT_FOUND
    );
}

#[test]
fn the_store_deadline_leaves_the_503_time_to_reach_the_applicant() {
    let t = template();
    let timeout = resource(&t, "FormHandler")["Properties"]["Timeout"]
        .as_u64()
        .expect("FormHandler has a Timeout in seconds");
    let deadline = form_handler::store::STORE_DEADLINE;
    // Reading the body and answering take well under a second; the rest is the store's.
    assert!(
        deadline + std::time::Duration::from_secs(2) <= std::time::Duration::from_secs(timeout),
        "the store may take {deadline:?} of the Lambda's {timeout} s"
    );
}

/// The web ACL in front of CloudFront (infra/waf.yaml) blocks a client that posts too often
/// before the handler sees it: its 429 bodies are the handler's own 429 answers, the JSON
/// one for a request that accepts JSON (the browser script shows its `message`) and the page
/// for a form posted without JavaScript.
#[tokio::test]
async fn the_web_acl_answers_as_the_handler_does() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/waf.yaml");
    let waf: Value = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let acl = &waf["Resources"]["WebAcl"]["Properties"];
    let body = |key: &str| {
        let b = &acl["CustomResponseBodies"][key];
        (text(&b["ContentType"]), text(&b["Content"]))
    };
    let limited = Arc::new(AppState::new(
        Forms::embedded().unwrap(),
        Store::Local(LocalStore::in_memory()),
        crate::api::day("2019-03-01"),
        RateLimiter::new(1),
        None,
    ));
    let post = |accept: &str| {
        Request::post("/api/applications/minivejledning")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", accept)
            .header("x-forwarded-for", "192.0.2.7")
            .body(Body::from(crate::api::VALID))
            .unwrap()
    };
    let first = crate::api::send(&limited, post("text/html")).await;
    assert_eq!(first.0, StatusCode::SEE_OTHER, "{}", first.2);
    for (accept, key, content_type) in [
        ("application/json", "too-many-json", "APPLICATION_JSON"),
        ("text/html,*/*", "too-many-page", "TEXT_HTML"),
    ] {
        let (status, headers, answer) = crate::api::send(&limited, post(accept)).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{answer}");
        let (waf_type, waf_body) = body(key);
        assert_eq!(waf_type, content_type);
        let handler_type = headers["content-type"].to_str().unwrap();
        assert!(
            handler_type.starts_with(&content_type.to_lowercase().replace('_', "/")),
            "{handler_type}"
        );
        assert_eq!(
            waf_body, answer,
            "infra/waf.yaml's {key} is not the handler's 429"
        );
        // AWS WAF takes at most 4 KB per body.
        assert!(waf_body.len() <= 4096, "{key}: {} bytes", waf_body.len());
    }
}
