from __future__ import annotations

from domain.wage_contract import RecordReply
from tests.workflows.helpers import CADRE, ledger_version, offer, service


async def test_probe_idem(time_skipping_env, app, task_queue, running_worker):
    env = time_skipping_env
    svc = service(env, app, task_queue)
    await svc.open(CADRE, offer("P-2"))
    v1 = await svc.act("P-2", CADRE, RecordReply(content="ok"), command_id="x")
    print(ledger_version(app, "P-2"))
    v2 = await svc.act("P-2", CADRE, RecordReply(content="ok"), command_id="x")
    print(ledger_version(app, "P-2"), v1 == v2)
