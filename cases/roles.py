"""Roles of the interagency process (docs/process.md, "Who is involved")."""

ROLES: dict[str, str] = {
    "guardianship": "Орган опеки и попечительства (УСЗН)",
    "agency": "Специалист Агентства социального благополучия",
    "uso_director": "Директор учреждения социального обслуживания",
    "curator": "Куратор семьи",
    "kdn_secretary": "Ответственный секретарь КДН и ЗП",
    "supervisor": "Руководитель",
    "admin": "Администратор",
}
