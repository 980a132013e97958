"""The interagency process as data: workflow files, act templates and calendars."""

from pathlib import Path

WORKFLOWS_DIR = Path(__file__).resolve().parent
CALENDARS_DIR = WORKFLOWS_DIR / "calendars"
TEMPLATES_DIR = WORKFLOWS_DIR / "templates"
DEFAULT_CALENDAR = CALENDARS_DIR / "ru.yaml"
