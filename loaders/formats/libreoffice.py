"""Word 97-2003 (.doc), WPS (.wps) and RTF -> .docx through LibreOffice in headless mode.

No Python library reads these binary formats well; LibreOffice does. Each conversion runs in
its own temporary directory with its own LibreOffice profile, so concurrent conversions (and a
LibreOffice the user has open) do not collide, and is killed, with its children, on timeout.
"""

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from loaders.errors import UnreadableFileError, UnsupportedFormatError

DEFAULT_TIMEOUT_S = 120.0


def soffice_path() -> str | None:
    """The LibreOffice executable on PATH, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_docx(content: bytes, name: str, suffix: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> bytes:
    """The file converted to .docx; ``suffix`` (".doc", ".wps", ".rtf") guides LibreOffice's import."""
    executable = soffice_path()
    if executable is None:
        raise UnsupportedFormatError(f"{name}: reading {suffix} files needs LibreOffice (soffice on PATH; "
                                     "Debian package libreoffice-writer-nogui); or save the file as .docx")
    with tempfile.TemporaryDirectory(prefix="policykg-soffice-") as tmp:
        work = Path(tmp)
        source = work / f"input{suffix}"
        source.write_bytes(content)
        out_dir = work / "out"
        command = [executable, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                   "--norestore", "--nolockcheck", "--convert-to", "docx", "--outdir", str(out_dir), str(source)]
        # A writable HOME of its own: a service account may have none.
        env = {**os.environ, "HOME": str(work)}
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                   start_new_session=True)
        try:
            stdout, stderr = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # soffice is a script: its office process is a child
            process.communicate()
            raise UnreadableFileError(f"{name}: LibreOffice did not finish converting it within "
                                      f"{timeout_s:g} s") from None
        result = out_dir / "input.docx"
        if process.returncode != 0 or not result.is_file():
            said = (stderr or stdout).decode("utf-8", "replace").strip().splitlines()
            raise UnreadableFileError(f"{name}: LibreOffice could not convert it "
                                      f"(exit {process.returncode}{': ' + said[-1] if said else ''})")
        return result.read_bytes()
