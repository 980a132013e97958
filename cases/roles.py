"""Roles of the interagency process (docs/process.md, "Who is involved")."""

ROLES: dict[str, str] = {
    "guardianship": "Орган опеки и попечительства (УСЗН)",
    "agency": "Специалист Агентства социального благополучия",
    "uso_director": "Директор учреждения социального обслуживания",
    "curator": "Куратор семьи",
    "kdn_secretary": "Ответственный секретарь КДН и ЗП",
    "supervisor": "Руководитель",
    "admin": "Администратор",
    # Accompaniment of adults: people released from prison and homeless people (order of Депсоцразвития Югры
    # of 28.01.2022 № 70-Р on personalised work with people preparing for release and their families)
    "rc_specialist": "Специалист ресурсного центра",
    "rc_head": "Руководитель ресурсного центра",
    "patrol_specialist": "Специалист службы «Социальный патруль»",
    "provider_staff": "Сотрудник негосударственного поставщика социальных услуг",
}

#: roles that work only with adults' cases (a person released from prison, a homeless person)
ADULT_ROLES = frozenset({"rc_specialist", "rc_head", "patrol_specialist", "provider_staff"})
