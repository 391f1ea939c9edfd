"""Every workflow test starts and ends with no open workflow on the shared server."""

from tests.wage_contract.helpers import no_workflow_left_open  # noqa: F401 - an autouse fixture
