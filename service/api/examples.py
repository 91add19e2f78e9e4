"""Example response bodies for the OpenAPI description (shapes as the API returns them)."""

from typing import Any

_TASK: dict[str, Any] = {
    "id": "task_4f0c1a2b3c4d5e6f7a8b", "number": 15, "path": "四/15",
    "title": "深化教育开放合作",
    "text": "深化教育开放合作。深化与上海教育合作，推进沪太两地学校结对……",
    "text_truncated": False, "url": "/tasks/task_4f0c1a2b3c4d5e6f7a8b",
    "document": {"id": "doc_218d1ac5ffaa965e637c", "title": "2021年度教育工作要点",
                 "doc_number": "太教〔2021〕1号"},
    "section": {"number": 4, "title": "坚持开放融合，提升发展活力"},
}
_SHANGHAI: dict[str, Any] = {"id": "place_b85033a1f9cdd8738cdb", "name": "上海",
                             "name_en": "Shanghai", "aliases": ["沪"], "level": "province"}

SEARCH: dict[str, Any] = {
    "query": "which items involve Shanghai cooperation", "took_ms": 41.2, "listing": None,
    "results": [{
        "task": _TASK, "score": 0.0325, "matched_by": ["dense", "lexical"],
        "evidence": [{"sentence_id": "sent_9a8b7c6d5e4f3a2b1c0d",
                      "text": "深化与上海教育合作，推进沪太两地学校结对。", "start": 9, "end": 30,
                      "score": 0.8712}],
        "context": {"programmes": [], "institutions": [], "places": [_SHANGHAI],
                    "documents": [], "targets": []},
    }],
    "context_text": "[1] 《2021年度教育工作要点》（太教〔2021〕1号） 四/15 第15项 深化教育开放合作\n"
                    "深化教育开放合作。深化与上海教育合作，推进沪太两地学校结对……",
}

CYPHER: dict[str, Any] = {
    "columns": ["t.number", "t.title"],
    "rows": [[15, "深化教育开放合作"], [17, "推进长三角教育一体化"]],
}

_ENTITY_HIT: dict[str, Any] = {
    "id": _SHANGHAI["id"], "label": "Place", "name": "上海", "name_en": "Shanghai",
    "aliases": ["沪"], "tasks": 2, "properties": _SHANGHAI,
}

ENTITIES: dict[str, Any] = {"total": 1, "offset": 0, "limit": 50, "entities": [_ENTITY_HIT]}

ENTITY: dict[str, Any] = {
    "entity": _ENTITY_HIT,
    "tasks": [{"id": _TASK["id"], "doc_id": "doc_218d1ac5ffaa965e637c", "number": 15,
               "path": "四/15", "title": "深化教育开放合作", "lead": None, "deadline": None,
               "document_title": "2021年度教育工作要点", "relations": ["CONCERNS"]}],
    "documents": [],
}

NEIGHBOURHOOD: dict[str, Any] = {
    "center": _SHANGHAI["id"], "depth": 1, "truncated": False,
    "nodes": [{"id": _SHANGHAI["id"], "labels": ["Place"], "properties": _SHANGHAI},
              {"id": _TASK["id"], "labels": ["Task"],
               "properties": {"id": _TASK["id"], "number": 15, "path": "四/15",
                              "title": "深化教育开放合作", "doc_id": "doc_218d1ac5ffaa965e637c"}}],
    "relationships": [{"type": "CONCERNS", "start": _TASK["id"], "end": _SHANGHAI["id"],
                       "properties": {}}],
}
