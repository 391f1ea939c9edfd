from __future__ import annotations

from domain.wage_contract import SuspendTalks, Stage
from tests.workflows.helpers import CADRE, service, to_review, status, pass_deadline, offer, negotiators
from domain.wage_contract import RecordReply, AppointNegotiators, RecordTalksRound


async def test_probe_suspension(time_skipping_env, app, task_queue, running_worker):
    env = time_skipping_env
    svc = service(env, app, task_queue)
    await svc.open(CADRE, offer("P-1"))
    print(await status(env, "P-1"))
    await svc.act("P-1", CADRE, RecordReply(content="ok"))
    await svc.act("P-1", CADRE, AppointNegotiators(negotiators=negotiators()))
    v = await svc.act("P-1", CADRE, SuspendTalks(days=10, reason="僵局"))
    print(await status(env, "P-1"))
    await pass_deadline(env, "suspension", "P-1")
    st = await status(env, "P-1")
    print(st)
    v = await svc.act("P-1", CADRE, RecordReply(content="ok"), command_id="x")
