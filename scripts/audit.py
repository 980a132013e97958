"""``make audit``: known vulnerabilities of the lock file's packages, from PyPI's vulnerability data (pip-audit).

pip-audit asks PyPI about each package and version pinned in ``requirements.lock`` (the versions ``make`` installs
and CI tests; read as they are, without resolving again). A package it could not ask about is
*not* audited — pip-audit itself would still say "No known vulnerabilities found" — so this script
counts them and says so plainly:

* exit 1: a known vulnerability was found (each is printed with the version that fixes it);
* exit 3: some packages could not be checked (the service did not answer or does not know the
  version) — the output says how many and which; ``--allow-unchecked`` turns this into a warning
  with exit 0 (CI on a machine whose package index has no vulnerability service);
* exit 0: every package was checked and none has a known vulnerability.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

LOCK = Path(__file__).resolve().parents[1] / "requirements.lock"


def main(argv: list[str]) -> int:
    allow_unchecked = "--allow-unchecked" in argv
    run = subprocess.run([sys.executable, "-m", "pip_audit", "--requirement", str(LOCK), "--no-deps", "--disable-pip",
                          "--format", "json", "--progress-spinner", "off"], capture_output=True, text=True, check=False)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        print("АУДИТ ЗАВИСИМОСТЕЙ НЕ ВЫПОЛНЕН: служба уязвимостей PyPI недоступна или pip-audit не отработал.")
        print(run.stderr.strip()[-2000:])
        return 0 if allow_unchecked else 3
    dependencies = report.get("dependencies", [])
    checked = [d for d in dependencies if "vulns" in d]
    unchecked = [d for d in dependencies if "vulns" not in d]
    vulnerable = [d for d in checked if d["vulns"]]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions", [])) or "исправления нет"
            print(f"УЯЗВИМОСТЬ {dep['name']} {dep['version']}: {vuln['id']} (исправлено в: {fixed})")
    print(f"Аудит зависимостей (PyPI): проверено {len(checked)} из {len(dependencies)} пакетов, "
          f"уязвимых: {len(vulnerable)}.")
    if unchecked:
        names = ", ".join(d["name"] for d in unchecked[:15]) + (" …" if len(unchecked) > 15 else "")
        print(f"НЕ ПРОВЕРЕНО {len(unchecked)} пакетов — служба уязвимостей PyPI не ответила о них "
              f"({unchecked[0].get('skip_reason', '')}): {names}")
    if vulnerable:
        return 1
    if unchecked and not allow_unchecked:
        return 3
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
