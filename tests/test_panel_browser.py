"""The agent panel in a real browser (Debian's chromium, headless): a call streams in, the ticket fills, the agent
edits a field and submits, and the stored ticket has the edit."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from assistant.stream_client import stream_file

from server_helpers import clip_call, live_server, run_async

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_panel_fills_live_and_submits_the_agents_edit(browser, tmp_path, whisper_engine, data_dir, artifacts_dir):
    call = clip_call(data_dir / "calls" / "dev" / "audio" / "dev-004.stereo16k.wav", tmp_path / "call.wav", 26.0)
    with live_server(tmp_path, whisper_engine) as (host, app):
        page = browser.new_page(viewport={"width": 480, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"http://{host}/panel?agent_id=a1")
        page.wait_for_selector("#conn.on")
        assert "等待来电" in page.inner_text("#call-label")

        done = threading.Event()
        threading.Thread(target=lambda: (asyncio.run(stream_file(call, f"ws://{host}/ws/call", call_id="b1",
                                                                 agent_id="a1")), done.set()), daemon=True).start()
        page.wait_for_function("document.querySelector('#f-district') && "
                               "document.querySelector('#f-district').value === '海珠区'", timeout=90_000)
        assert page.locator(".seg.caller").count() >= 1
        # the agent corrects the address while the call goes on
        address = page.locator("#f-address")
        address.fill("大塘新街36号首层")
        address.press("Tab")
        page.wait_for_selector('.field.agent[data-key="address"]')
        page.wait_for_function("document.querySelector('#f-caller_phone').value === '13826170452'", timeout=90_000)
        assert page.input_value("#title"), "a title should be proposed"
        assert page.locator("#template option").count() >= 1
        # the evidence of an auto-filled value can be opened
        page.click('.field[data-key="caller_phone"] .conf')
        assert "联系电话" in page.inner_text("#evidence") or "电话" in page.inner_text("#evidence")
        assert done.wait(60), "the call did not finish streaming"
        page.wait_for_function("document.querySelector('#call-state').textContent === '已挂断'", timeout=60_000)
        assert page.input_value("#f-address") == "大塘新街36号首层"  # auto-fill never overwrote the edit
        page.screenshot(path=str(artifacts_dir / "panel.png"), full_page=True)
        page.click("#submit")
        page.wait_for_function("document.querySelector('#status').textContent.includes('工单已提交')")
        assert not errors, errors

        stored = httpx.get(f"http://{host}/api/calls/b1").json()
        assert stored["state"] == "submitted"
        ticket = stored["submitted_ticket"]["ticket"]
        assert ticket["address"] == "大塘新街36号首层"
        assert ticket["caller_phone"] == "13826170452" and ticket["district"] == "海珠区"
        assert stored["submitted_ticket"]["auto"].get("address") not in (None, "大塘新街36号首层")


def test_panel_recovers_after_reconnect(browser, tmp_path, whisper_engine, data_dir):
    call = clip_call(data_dir / "calls" / "dev" / "audio" / "dev-004.stereo16k.wav", tmp_path / "call.wav", 15.0)
    with live_server(tmp_path, whisper_engine) as (host, app):
        run_async(stream_file(call, f"ws://{host}/ws/call", call_id="r1", agent_id="a1", speed=1.5))
        page = browser.new_page()
        page.goto(f"http://{host}/panel?call_id=r1")
        page.wait_for_selector(".seg.caller")
        n = page.locator(".seg").count()
        # drop the socket: the panel reconnects by itself and redraws the call from the server's snapshot
        page.evaluate("state.ws.close()")
        page.wait_for_selector("#conn.off")
        page.wait_for_selector("#conn.on", timeout=10_000)
        assert page.locator(".seg").count() == n
        assert page.input_value("#f-district") == "海珠区"
