//! Audit events as the loopback servers send them: realistic field lengths, serialized
//! once and sent on every page (`stream_memory`, `client_overhead`).

/// The `data` array of a page: `count` audit events with realistic field lengths, as JSON.
pub fn events_json(count: usize) -> Vec<u8> {
    let events: Vec<serde_json::Value> = (0..count)
        .map(|i| {
            serde_json::json!({
                "event_id": format!("ae-20260401-{i:06}-7fQ2xK"),
                "event_type": "segment.updated",
                "tenant": "acme-sandbox-holiday",
                "tenant_family": "acme",
                "happened_at": format!("2026-04-01T11:{:02}:{:02}Z", (i / 60) % 60, i % 60),
                "principal_id": format!("auth0|{:024}", i * 7919),
                "principal_name": "Jordan Example",
                "principal_email": "jordan.example@acme.example.com",
                "object_id": format!("sg-{i:08}"),
                "object_name": "Segments / Churn risk / High value",
                "origin_ip": "203.0.113.42",
                "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)",
                "session_id": format!("sess-{:032x}", i as u128 * 0x9E37_79B9_7F4A_7C15),
            })
        })
        .collect();
    serde_json::to_vec(&events).expect("serialize the events")
}

/// A whole list page: `{"data": <data>, "next_token": "<next_token>"}`.
pub fn page_json(data: &[u8], next_token: &str) -> Vec<u8> {
    let mut body = Vec::with_capacity(data.len() + next_token.len() + 32);
    body.extend_from_slice(b"{\"data\":");
    body.extend_from_slice(data);
    body.extend_from_slice(format!(",\"next_token\":\"{next_token}\"}}").as_bytes());
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_valid_json_with_every_item() {
        let page = page_json(&events_json(3), "abc");
        let value: serde_json::Value = serde_json::from_slice(&page).unwrap();
        assert_eq!(value["data"].as_array().unwrap().len(), 3);
        assert_eq!(value["next_token"], "abc");
        assert_eq!(value["data"][2]["object_id"], "sg-00000002");
    }
}
