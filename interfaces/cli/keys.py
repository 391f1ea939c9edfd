"""``unionflow keys``: the payload key file that encrypts what Temporal stores."""

from __future__ import annotations

from pathlib import Path

import typer

from domain.errors import InvalidInput
from i18n import fmt
from interfaces.cli._common import console, fail
from interfaces.cli.render import plain
from payload_codec import add_payload_key, load_payload_keys
from settings import Settings

app = typer.Typer(help="密钥 / keys: the payload key file", no_args_is_help=True)


@app.command("new-payload-key")
def new_payload_key(
    file: Path | None = typer.Option(
        None,
        "--file",
        dir_okay=False,
        help="密钥文件（默认：UNIONFLOW_PAYLOAD_KEY_FILE） / the key file (default: "
        "UNIONFLOW_PAYLOAD_KEY_FILE)",
    ),
) -> None:
    """新增载荷密钥：首次创建密钥文件（0600），之后为轮换 / add a payload key: creates the
    key file (0600), or rotates (the new key encrypts, the older ones still decrypt)."""
    path = file.expanduser().absolute() if file else Settings().payload_key_file
    if path is None:
        fail(
            InvalidInput(
                "请用 --file 指定密钥文件，或设置 UNIONFLOW_PAYLOAD_KEY_FILE",
                "name the key file with --file, or set UNIONFLOW_PAYLOAD_KEY_FILE",
            )
        )
        return
    try:  # a key file that cannot be used (PayloadKeyError) is refused at the root
        key_id = add_payload_key(path)
        count = len(load_payload_keys(path).keys)
    except OSError as e:
        fail(InvalidInput(f"无法写入 {path}：{e.strerror}", f"cannot write {path}: {e.strerror}"))
        return
    console.print(
        fmt(
            (
                "已新增载荷密钥 {id}（文件中共 {n} 个，新密钥加密，旧密钥仍可解密）：{path}",
                "payload key {id} added ({n} in the file; the new one encrypts, older ones "
                "still decrypt): {path}",
            ),
            id=key_id,
            n=count,
            path=plain(path),
        ),
        highlight=False,
    )
    console.print(
        fmt(
            (
                "每个工作进程和客户端须使用同一文件：UNIONFLOW_PAYLOAD_KEY_FILE={path}"
                "（首次创建后须重启工作进程）",
                "give every worker and client the same file: UNIONFLOW_PAYLOAD_KEY_FILE={path} "
                "(after the first key, restart the workers)",
            ),
            path=plain(path),
        ),
        highlight=False,
        soft_wrap=True,
    )
