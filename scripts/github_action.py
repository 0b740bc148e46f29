"""The GitHub Action's logic: run `middlebrick scan`, publish its results, apply the gate.

action.yml passes the inputs as INPUT_* variables; GitHub gives the files GITHUB_OUTPUT and
GITHUB_STEP_SUMMARY. Pointing those at temporary files runs this script anywhere. It writes
JSON, SARIF and Markdown reports, appends the Markdown to the job summary, sets the outputs
`score`, `grade`, `findings`, `new-findings`, `report`, `sarif`, `markdown` and `gate`, and
exits with the scan's code: 0 passed, 1 the gate failed, 2 bad input, 3 target unreachable.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SEVERITIES = ("critical", "high", "medium", "low", "info")


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def header_lines(value: str) -> list[str]:
    """Newline-separated "Name: value" headers; blank lines are ignored."""
    return [line.strip() for line in value.splitlines() if line.strip()]


def scan_command(inputs: Mapping[str, str], folder: Path) -> list[str]:
    """The `middlebrick scan` command line for these inputs."""
    command = [sys.executable, "-m", "middlebrick", "scan", inputs["url"], "-q"]
    if inputs.get("openapi"):
        command += ["--openapi", inputs["openapi"]]
    for line in header_lines(inputs.get("headers", "")):
        command += ["-H", line]
    for line in header_lines(inputs.get("user_b_headers", "")):
        command += ["--user-b-header", line]
    for fmt, name in (("json", "middlebrick.json"), ("sarif", "middlebrick.sarif"),
                      ("markdown", "middlebrick.md")):
        command += ["--format", fmt, "--output", str(folder / name)]
    command += ["--fail-under", inputs.get("fail_under") or "0"]
    if inputs.get("fail_severity"):
        command += ["--fail-severity", inputs["fail_severity"].lower()]
    if inputs.get("baseline"):
        command += ["--baseline", inputs["baseline"], "--fail-on-new"]
    return command + shlex.split(inputs.get("args", ""))


def set_outputs(values: Mapping[str, str]) -> None:
    target = env("GITHUB_OUTPUT")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as out:
        for name, value in values.items():
            # The heredoc form is safe for any value, even one with a newline in it.
            marker = f"ghadelimiter_{uuid.uuid4().hex}"
            out.write(f"{name}<<{marker}\n{value}\n{marker}\n")


def append_summary(text: str) -> None:
    target = env("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(text.rstrip("\n") + "\n")


def command(name: str, data: str, properties: str = "") -> None:
    """A workflow command (`::add-mask::`, `::error ...::`), only when running on GitHub. The
    runner un-escapes the data, so it is escaped the way GitHub's toolkit does it: otherwise a
    secret holding `%25` would be masked as a different string and print in clear."""
    if env("GITHUB_ACTIONS") == "true":
        escaped = data.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        sys.stdout.write(f"::{name}{' ' + properties if properties else ''}::{escaped}\n")
        sys.stdout.flush()


def mask_header_values(lines: list[str]) -> None:
    """Mask each header value, and the credential after an auth scheme (`Bearer <token>`)."""
    for line in lines:
        secret = line.partition(":")[2].strip()
        credential = secret.partition(" ")[2].strip()
        for value in (secret, credential):
            if value:
                command("add-mask", value)


def read_inputs() -> dict[str, str]:
    names = ("url", "openapi", "headers", "user_b_headers", "fail_under", "fail_severity",
             "baseline", "output_dir", "args")
    inputs = {name: os.environ.get(f"INPUT_{name.upper()}", "") for name in names}
    inputs = {k: v if k in {"headers", "user_b_headers"} else v.strip() for k, v in inputs.items()}
    if not inputs["url"]:
        raise SystemExit(_fail("the `url` input is required"))
    if inputs["fail_severity"] and inputs["fail_severity"].lower() not in SEVERITIES:
        raise SystemExit(_fail(f"`fail-severity` must be one of {', '.join(SEVERITIES)}"))
    try:
        shlex.split(inputs["args"])
    except ValueError as exc:
        raise SystemExit(_fail(f"`args` is not shell-like words: {exc}")) from None
    return inputs


def _fail(message: str) -> int:
    sys.stderr.write(f"middlebrick action: {message}\n")
    command("error", message, "title=middlebrick")
    return 2


def main() -> int:
    inputs = read_inputs()
    mask_header_values(header_lines(inputs["headers"]) + header_lines(inputs["user_b_headers"]))
    folder = Path(inputs["output_dir"] or "middlebrick-reports")
    folder.mkdir(parents=True, exist_ok=True)
    code = subprocess.run(scan_command(inputs, folder), check=False).returncode
    report_path = folder / "middlebrick.json"
    if code not in (0, 1) or not report_path.exists():
        append_summary(f"### middlebrick could not scan {inputs['url']}\n\n"
                       f"`middlebrick scan` exited with {code}; see the job log.")
        set_outputs({"gate": "error"})
        return code or 2
    report: dict[str, Any] = json.loads(report_path.read_text(encoding="utf-8"))
    markdown = folder / "middlebrick.md"
    append_summary(markdown.read_text(encoding="utf-8"))
    outputs = {
        "score": str(report["score"]["value"]),
        "grade": str(report["score"]["grade"]),
        "findings": str(len(report["findings"])),
        "report": str(report_path),
        "sarif": str(folder / "middlebrick.sarif"),
        "markdown": str(markdown),
        "gate": "passed" if code == 0 else "failed",
    }
    if isinstance(report.get("baseline"), dict):
        outputs["new-findings"] = str(report["baseline"].get("new", 0))
    set_outputs(outputs)
    if code == 1:
        command("error", f"the security gate failed: grade {outputs['grade']}, score "
                f"{outputs['score']}, {outputs['findings']} findings", "title=middlebrick")
    return code


if __name__ == "__main__":
    sys.exit(main())
