"""/metrics counters move with requests, and every stage has a latency histogram."""
import re


def metric(text, name, **labels):
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(f"{name}{{{want}}} "):
            return float(line.split()[-1])
    return 0.0


def test_counters_move(server):
    admin = server.keys["admin"]
    before = server.request("GET", "/metrics", key=admin).body.decode()
    n200 = metric(before, "agentgate_requests_total", route="/v1/ask", status="200")
    n401 = metric(before, "agentgate_requests_total", route="/v1/ask", status="401")
    assert server.ask("Versand nach Österreich").status == 200
    assert server.ask("Versand").status == 200
    assert server.request("POST", "/v1/ask", {"question": "x"}).status == 401
    after = server.request("GET", "/metrics", key=admin).body.decode()
    assert metric(after, "agentgate_requests_total", route="/v1/ask", status="200") == n200 + 2
    assert metric(after, "agentgate_requests_total", route="/v1/ask", status="401") == n401 + 1
    for stage in ("http", "auth", "limit", "guard_in", "retrieve", "generate", "guard_out",
                  "audit", "respond"):
        assert metric(after, "agentgate_stage_seconds_count", stage=stage) >= 2, stage
    # the output guard checked both answers; each was given from some source
    checks = sum(metric(after, "agentgate_answer_checks_total", result=r) or 0
                 for r in ("passed", "failed"))
    given = sum(metric(after, "agentgate_answers_total", source=s) or 0
                for s in ("generated", "retry", "extractive", "dont_know", "other"))
    assert checks >= 2 and given >= 2
    assert re.search(r'agentgate_stage_seconds_bucket\{stage="retrieve",le="\+Inf"\} \d+', after)
