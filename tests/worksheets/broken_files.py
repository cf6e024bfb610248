"""The broken worksheet files in broken/, each saying on its first line what the check reports."""

from pathlib import Path

BROKEN = Path(__file__).parent / "broken"
BROKEN_FILES = sorted(BROKEN.glob("*.yaml"))


def expected_fragment(path: Path) -> str:
    first_line = path.read_bytes().split(b"\n", 1)[0].decode("ascii")
    assert first_line.startswith("# expect: "), f"{path.name} does not say what to expect"
    return first_line.removeprefix("# expect: ")
