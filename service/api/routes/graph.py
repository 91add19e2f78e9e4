"""Tasks, entities and neighbourhoods of the graph."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from graph.base import EntityDetail, EntityLabel, Neighbourhood
from service import catalog
from service.api import examples
from service.api.deps import ComponentsDep, Reader
from service.api.problems import READ_ERRORS, openapi_errors, openapi_example
from service.schemas import EntityList, TaskDetailOut
from service.settings import Settings


def router(settings: Settings) -> APIRouter:
    routes = APIRouter(tags=["graph"])

    @routes.get("/tasks/{task_id}", response_model=TaskDetailOut,
                responses=openapi_errors(404, *READ_ERRORS))
    def get_task(_: Reader, c: ComponentsDep,
                 task_id: Annotated[str, Path(max_length=200)]) -> TaskDetailOut:
        """A task with its document, section, linked entities and all of its sentences."""
        return catalog.task_detail(c.store, task_id)

    @routes.get("/entities", response_model=EntityList,
                responses={**openapi_example(examples.ENTITIES), **openapi_errors(*READ_ERRORS)})
    def list_entities(
        _: Reader, c: ComponentsDep,
        type: Annotated[EntityLabel | None, Query(description="one entity label")] = None,
        q: Annotated[str | None, Query(max_length=200, description=(
            "part of a name, an alias or an English name, any case"))] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    ) -> EntityList:
        """Programmes, institutions, places and targets by name, alias or English name; exact
        matches first, then those linked to more tasks."""
        return catalog.entity_list(c.store, type, q, limit=limit, offset=offset)

    @routes.get("/entities/{entity_id}", response_model=EntityDetail,
                responses={**openapi_example(examples.ENTITY),
                           **openapi_errors(404, *READ_ERRORS)})
    def get_entity(_: Reader, c: ComponentsDep,
                   entity_id: Annotated[str, Path(max_length=200)]) -> EntityDetail:
        """An entity with every task linked to it and the documents that name it."""
        return catalog.entity_detail(c.store, entity_id)

    @routes.get("/graph/neighbourhood", response_model=Neighbourhood,
                responses={**openapi_example(examples.NEIGHBOURHOOD),
                           **openapi_errors(404, *READ_ERRORS)})
    def neighbourhood(
        _: Reader, c: ComponentsDep,
        id: Annotated[str, Query(min_length=1, max_length=200, description="any node's id")],
        depth: Annotated[int, Query(ge=1, le=3)] = 1,
        limit: Annotated[int, Query(ge=1, le=settings.neighbourhood_max_nodes,
                                    description="the most nodes returned")] = min(
            200, settings.neighbourhood_max_nodes),
        sentences: Annotated[bool, Query(description="include sentences")] = False,
    ) -> Neighbourhood:
        """Nodes within ``depth`` hops of a node, both directions, breadth first, up to
        ``limit`` nodes (``truncated`` says when the cap cut it), nodes and relationships in
        the /cypher shape."""
        return catalog.neighbourhood(c.store, id, depth=depth, limit=limit, sentences=sentences)

    return routes
