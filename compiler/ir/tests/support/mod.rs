//! A small bundle with a bind, a port, a grant, a call entry and a route, shared by the tests.

use starlane_ir::*;

pub fn sample() -> Bundle {
    Bundle {
        name: "hello".into(),
        sources: vec![Source {
            path: "bind/app.bind".into(),
            line_starts: vec![0, 22, 60],
        }],
        binds: vec![Bind {
            source: 0,
            version: "1.1.0".into(),
            ports: vec![Port {
                name: "users".into(),
                request: None,
                response: None,
                envelope: Default::default(),
                exec_ms: DEFAULT_EXEC_MS,
                total_ms: DEFAULT_TOTAL_MS,
                grants: vec![Grant {
                    kind: GrantKind::Perm {
                        bits: 0b000110,
                        and: false,
                    },
                    on: Some(SelectorPattern::parse("${users}:**<User>").unwrap()),
                    to: None,
                    span: SourceSpan::default(),
                }],
                calls: vec![CallRule {
                    selector: SelectorPattern::parse("${users}+:*").unwrap(),
                    methods: MethodPattern::new("Http", "*").unwrap(),
                    path: Some("/public/.*".into()),
                    timeout_ms: Some(50),
                    ack_ms: Some(100),
                    retries: Some(2),
                    span: SourceSpan::default(),
                }],
                span: SourceSpan::default(),
            }],
            routes: vec![Route {
                methods: MethodPattern::new("Http", "Get").unwrap(),
                path: PathPattern::Regex {
                    regex: "/users/(?P<id>[^/]+)".into(),
                    captures: vec!["id".into()],
                },
                filters: vec![Filter::Auth],
                segments: vec![
                    Segment {
                        direction: Direction::Request,
                        payload: Some(0),
                        stop: Stop::Core,
                        span: SourceSpan {
                            source: 0,
                            start: 24,
                            end: 40,
                        },
                    },
                    Segment {
                        direction: Direction::Request,
                        payload: None,
                        stop: Stop::Call {
                            point: Template::parse("${users}:${id}").unwrap(),
                            method: Method::parse("Ext<Select>").unwrap(),
                            path: Some(Template::parse("/$1").unwrap()),
                        },
                        span: SourceSpan::default(),
                    },
                ],
                span: SourceSpan {
                    source: 0,
                    start: 22,
                    end: 58,
                },
            }],
            ..Default::default()
        }],
        patterns: vec![PayloadPattern {
            shape: Shape::Kind(PayloadKind::Text),
            validators: vec![Validator::Format(Format::Json)],
        }],
        mechtrons: vec![Mechtron {
            name: "hello".into(),
            module: None,
            bind: 0,
        }],
        http_bind: Some(0),
        ..Default::default()
    }
}
