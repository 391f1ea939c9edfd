"""The forms of a wage contract case's steps, and how a submitted form becomes the command.

One ``StepForm`` per people's step says which fields the form shows; ``command_of`` reads
a submitted form into the domain's command model (the same models the CLI builds), so a
bad value is refused by the model, never by rules written here. Drafts and negotiators are
the YAML documents ``unionflow wage draft`` / ``negotiators`` read, uploaded or pasted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.datastructures import FormData, UploadFile

from application.input_files import model_from_yaml
from domain.errors import InvalidInput
from domain.policies import Label
from domain.text import Key, OptionalLongText, invalid_input
from domain.wage_contract import AppointNegotiators, Draft, HumanCommand
from interfaces.web.forms import upload_text

MAX_UPLOAD = 1 << 20  # a draft of a few dozen clauses is a few KB

COMMANDS: TypeAdapter[Any] = TypeAdapter(HumanCommand)
COMMENT: TypeAdapter[str] = TypeAdapter(OptionalLongText)
COMMAND_ID: TypeAdapter[str] = TypeAdapter(Key)


@dataclass(frozen=True)
class Field:
    """One input of a step's form.

    ``widget``: text, textarea, number, checkbox, select (``options``), lines (one item a
    line), yaml (an upload or pasted text read as ``model``), rows (clause and comment
    pairs). ``into``: the command field a YAML document fills (else its fields merge in).
    """

    name: str
    label: Label
    widget: str = "text"
    required: bool = True
    hint: Label | None = None
    options: tuple[tuple[str, Label], ...] = ()
    default: str = ""
    model: type[BaseModel] | None = None
    into: str | None = None
    what: str = ""


@dataclass(frozen=True)
class StepForm:
    """The form of one step: its command kind, its fields; ``secondary`` steps are shown
    after the step the case waits for."""

    kind: str
    fields: tuple[Field, ...] = ()
    secondary: bool = False

    @property
    def uploads(self) -> bool:
        return any(f.widget == "yaml" for f in self.fields)


_SIDES: tuple[tuple[str, Label], ...] = (
    ("employer", ("企业方", "the employer")),
    ("union", ("职工方", "the union side")),
)
_DRAFT = Field(
    "draft",
    ("草案（YAML）", "Draft (YAML)"),
    "yaml",
    model=Draft,
    into="draft",
    what="草案",
    hint=(
        "上传或粘贴草案文件，格式同 examples/draft.yaml（条款、岗位工资标准、增长幅度、双方首席代表签字）",
        "upload or paste the draft as in examples/draft.yaml (clauses, wage standards, "
        "raise, both chiefs' signatures)",
    ),
)
_TAKEOVER = Field(
    "takeover_reason",
    ("接手理由", "Reason to take over"),
    "text",
    hint=(
        "本轮预审不在本级工会：须写明接手决定的理由",
        "this round is not with your union: say why you take it over",
    ),
)
_OVERRIDE = Field(
    "override_reason",
    ("放行理由", "Override reason"),
    required=False,
    hint=(
        "工资指导线等参考性检查未通过时须写明理由；法定底线不能放行",
        "an advisory check (the wage guideline) failed: say why you approve; legal floors "
        "cannot be overridden",
    ),
)

# The steps offered on a case page, in the order of the process.
FORMS: dict[str, StepForm] = {
    f.kind: f
    for f in (
        StepForm("record_reply", (Field("content", ("书面回应内容", "The reply"), "textarea"),)),
        StepForm(
            "appoint_negotiators",
            (
                Field(
                    "negotiators",
                    ("协商代表（YAML）", "Negotiators (YAML)"),
                    "yaml",
                    model=AppointNegotiators,
                    what="协商代表",
                    hint=(
                        "格式同 examples/negotiators.yaml：每方人数相等，各有一名首席代表",
                        "as in examples/negotiators.yaml: equal sides, one chief each",
                    ),
                ),
            ),
            secondary=True,
        ),
        StepForm(
            "record_talks_round",
            (
                Field("minutes", ("会议纪要", "Minutes"), "textarea"),
                Field(
                    "deadlocked", ("协商未达成一致", "Talks deadlocked"), "checkbox", required=False
                ),
            ),
        ),
        StepForm(
            "request_talks_data",
            (
                Field("requested_from", ("向哪一方要求", "Asked of"), "select", options=_SIDES),
                Field("items", ("所需资料（每行一项）", "Items (one a line)"), "lines"),
            ),
            secondary=True,
        ),
        StepForm(
            "record_talks_data_provided",
            (Field("no", ("资料请求序号", "Request number"), "number"),),
            secondary=True,
        ),
        StepForm(
            "suspend_talks",
            (
                Field("days", ("中止天数", "Days"), "number"),
                Field("reason", ("理由", "Reason")),
            ),
            secondary=True,
        ),
        StepForm("resume_talks", secondary=True),
        StepForm("sign_draft", (_DRAFT,)),
        StepForm("submit_for_review"),
        StepForm("approve", (_OVERRIDE, _TAKEOVER)),
        StepForm(
            "return_for_revision",
            (
                Field("comments", ("逐条意见", "Comments per clause"), "rows"),
                _TAKEOVER,
            ),
            secondary=True,
        ),
        StepForm("revise_draft", (_DRAFT,)),
        StepForm(
            "request_adoption_poll",
            (
                Field("session_id", ("职代会会议编号", "Congress session")),
                Field("item_no", ("议题号", "Agenda item"), "number"),
            ),
        ),
        StepForm("sign_contract"),
        StepForm(
            "file_contract",
            (
                Field("copies", ("份数", "Copies"), "number", default="3"),
                Field("office", ("劳动行政部门", "Labour administration office")),
            ),
        ),
        StepForm(
            "record_filing_incomplete",
            (Field("missing", ("缺少的材料（每行一项）", "Missing items (one a line)"), "lines"),),
            secondary=True,
        ),
        StepForm(
            "record_objection",
            (Field("text", ("审查意见", "Objection"), "textarea"),),
            secondary=True,
        ),
        StepForm("publish", (Field("channel", ("公布方式", "Channel")),)),
        StepForm("report_to_higher_union", (Field("reference", ("报送文号或方式", "Reference")),)),
    )
}


def offered(steps: list[str], *, takes_over: bool, advisory_failed: bool) -> list[StepForm]:
    """The forms of the steps the person may take, the step the case waits for first; a
    takeover's reason and an override's only where they can be needed (the domain says
    when they are)."""
    dropped = {
        f for f, needed in ((_TAKEOVER, takes_over), (_OVERRIDE, advisory_failed)) if not needed
    }
    out = []
    for kind in steps:
        form = FORMS.get(kind)
        if form is None:
            continue  # a step the web offers no form for yet (a paper vote's counts)
        kept = tuple(f for f in form.fields if f not in dropped)
        out.append(StepForm(form.kind, kept, form.secondary))
    return sorted(out, key=lambda f: f.secondary)


async def command_of(kind: str, form: FormData) -> Any:
    """The domain command a submitted form asks for; refused when it is not one."""
    step = FORMS.get(kind)
    if step is None:
        raise InvalidInput(f"网页不提供此步骤：{kind}", f"the web offers no such step: {kind}")
    values: dict[str, Any] = {"kind": kind}
    for f in step.fields:
        values.update(await _value(f, form))
    return command_from(values)


def command_from(values: dict[str, Any]) -> Any:
    """A command from its fields (``kind`` first): the API's body, a form's values."""
    try:
        return COMMANDS.validate_python(values)
    except ValidationError as e:
        raise invalid_input(e) from None


def comment_and_id(comment: Any, command_id: Any) -> tuple[str, str | None]:
    """The comment recorded with the act and the form's idempotency key, checked."""
    try:
        text = COMMENT.validate_python(comment if isinstance(comment, str) else "")
        key = COMMAND_ID.validate_python(command_id) if command_id else None
    except ValidationError as e:
        raise invalid_input(e) from None
    return text, key


async def _value(f: Field, form: FormData) -> dict[str, Any]:
    raw = form.get(f.name)
    if f.widget == "checkbox":
        return {f.name: raw is not None}
    if f.widget == "lines":
        text = raw if isinstance(raw, str) else ""
        return {f.name: [line.strip() for line in text.splitlines() if line.strip()]}
    if f.widget == "rows":
        return {f.name: _rows(form)}
    if f.widget == "yaml":
        return await _document(f, form)
    text = raw.strip() if isinstance(raw, str) else ""
    if not text and not f.required:
        return {}
    return {f.name: text}


def _rows(form: FormData) -> list[dict[str, str]]:
    clauses, comments = form.getlist("clause"), form.getlist("clause_comment")
    rows = []
    for n, (clause, comment) in enumerate(zip(clauses, comments, strict=False), start=1):
        no = clause.strip() if isinstance(clause, str) else ""
        text = comment.strip() if isinstance(comment, str) else ""
        if not no and not text:
            continue  # an empty row left in the form
        if not no or not text:
            raise InvalidInput(
                f"第 {n} 行：条款号和意见都要填写", f"row {n}: give both the clause and the comment"
            )
        rows.append({"clause": no, "comment": text})
    if not rows:
        raise InvalidInput("至少写一条意见", "write at least one comment")
    return rows


async def _document(f: Field, form: FormData) -> dict[str, Any]:
    """A YAML document from the upload ``<name>_file``, else the text box ``<name>``."""
    assert f.model is not None
    upload = form.get(f"{f.name}_file")
    if isinstance(upload, UploadFile) and upload.filename:
        text, source = await upload_text(upload, f.what, MAX_UPLOAD), upload.filename
    else:
        raw = form.get(f.name)
        text, source = (raw if isinstance(raw, str) else ""), f"（{f.what}）"
        if not text.strip():
            raise InvalidInput(f"请上传或粘贴{f.what}", f"upload or paste the {f.name}")
    document = model_from_yaml(text, f.model, f.what, source)
    if f.into is not None:
        return {f.into: document}
    return {k: v for k, v in document if k != "kind"}
