"""The QA replay page in a real browser (Debian's chromium, headless): a call streamed through the live service
and submitted with an agent's edits is found in the list, its audio seeks to a clicked segment, and its field
timeline, diff and the metrics show what the assistant filled and what the agent changed."""

from __future__ import annotations

import json

import pytest
import websockets

from assistant.stream_client import stream_file

from server_helpers import clip_call, live_server, run_async

pytestmark = [pytest.mark.slow, pytest.mark.browser]


async def submit_with_edits(host: str, call_id: str, edits: dict[str, str | None]) -> None:
    """What an agent does on the panel after the call: correct fields, then submit."""
    async with websockets.connect(f"ws://{host}/ws/panel?call_id={call_id}") as ws:
        assert json.loads(await ws.recv())["type"] == "snapshot"
        for key, value in edits.items():
            await ws.send(json.dumps({"type": "edit_field", "key": key, "value": value}))
        await ws.send(json.dumps({"type": "submit"}))
        async for msg in ws:
            ev = json.loads(msg)
            assert ev["type"] != "error", ev
            if ev["type"] == "action_ok" and ev["action"] == "submit":
                return


def test_replay_page_seek_timeline_diff_and_metrics(browser, tmp_path, whisper_engine, data_dir, artifacts_dir):
    # dev-004's first 15 s: greeting, the power-cut complaint, the address (the caller's name comes later)
    call = clip_call(data_dir / "calls" / "dev" / "audio" / "dev-004.stereo16k.wav", tmp_path / "call.wav", 15.0)
    with live_server(tmp_path, whisper_engine) as (host, app):
        run_async(stream_file(call, f"ws://{host}/ws/call", call_id="qa1", agent_id="a1", speed=1.5))
        run_async(submit_with_edits(host, "qa1", {"caller_name": "赵先生", "address": "大塘新街36号首层"}))

        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"http://{host}/qa")
        row = page.locator('#calls tr[data-call-id="qa1"]')
        row.wait_for()
        assert "已提交" in row.inner_text() and "a1" in row.inner_text()
        row.click()
        page.wait_for_selector("#transcript .seg.caller")
        assert "call=qa1" in page.url  # the open call can be linked to
        page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=30_000)

        # clicking a segment moves the player there (and lights the segment)
        segs = page.locator("#transcript .seg")
        starts = [float(s) for s in segs.evaluate_all("els => els.map(e => e.dataset.start)")]
        target = max(range(len(starts)), key=lambda i: starts[i])  # the latest segment: far from 0
        assert starts[target] > 5
        segs.nth(target).click()
        t = page.evaluate("document.getElementById('player').currentTime")
        assert starts[target] - 0.05 <= t < starts[target] + 2.0, (t, starts[target])
        assert "playing" in segs.nth(target).get_attribute("class")
        assert "停电" in page.inner_text("#transcript")

        # the ticket as it evolved: auto-fills with evidence, then the agent's edits
        timeline = page.locator("#timeline li.tl")
        assert timeline.count() >= 3
        assert page.locator("#timeline li.tl.auto").count() >= 1
        name = page.locator('#timeline li.tl.agent[data-key="caller_name"]')
        assert name.count() == 1 and "赵先生" in name.inner_text() and "坐席" in name.inner_text()
        with_evidence = page.locator("#timeline li.tl.auto:has(.ev)").first
        with_evidence.click()
        assert page.locator("#transcript .seg.evidence").count() >= 1
        evidence_start = float(page.locator("#transcript .seg.evidence").first.get_attribute("data-start"))
        t = page.evaluate("document.getElementById('player').currentTime")
        assert evidence_start - 0.05 <= t < evidence_start + 2.0

        # the diff: what the assistant filled against what the agent submitted
        diff = page.locator("#diff table.diff")
        assert diff.locator('tr[data-key="caller_name"] .badge').inner_text() == "补填"
        address = diff.locator('tr[data-key="address"]')
        assert address.locator(".final").inner_text() == "大塘新街36号首层"
        assert address.locator(".badge").inner_text() in ("修改", "补填")
        assert diff.locator('tr[data-key="template_id"] .badge').inner_text() == "采纳"
        page.screenshot(path=str(artifacts_dir / "qa_replay.png"), full_page=True)

        # metrics across calls, with exports
        page.click('.tab[data-view="metrics"]')
        page.wait_for_selector('#m-fields tr[data-key="caller_name"]')
        template_card = page.locator('#m-cards .card:has-text("模板首选采纳率")')
        assert "100%" in template_card.inner_text() and "1 / 1" in template_card.inner_text()
        assert page.locator('#m-fields tr[data-key="caller_name"] td').nth(5).inner_text() == "1"  # added once
        assert "format=csv" in page.get_attribute("#x-csv-fields", "href")
        page.screenshot(path=str(artifacts_dir / "qa_metrics.png"), full_page=True)

        # a search that matches nothing, and a call id that does not exist, say so
        page.click('.tab[data-view="calls"]')
        page.fill("#f-q", "没有人说过的话")
        page.click("#filters button[type=submit]")
        page.wait_for_selector("#list-empty:not([hidden])")
        assert page.locator("#calls tbody tr").count() == 0
        assert "没有符合条件的通话" in page.inner_text("#list-empty")
        page.goto(f"http://{host}/qa?call=nope")
        page.wait_for_function("document.getElementById('detail-empty').textContent.includes('未找到通话 nope')")
        assert page.locator("#detail-body").is_hidden()
        assert not errors, errors
