"""A POST of one operation, answered without the steps of strawberry's `run` it does not
need (issue 7): its content type parsed again through email.message, stream transports,
batches, runtime protocol checks of the result; about an eighth of `{ __typename }`.

`run_one_operation` takes the view's own steps in the order `run` takes them
(get_context, execute_single, process_result, create_response), so a view that
overrides one of them (app/server.py) gets it here too. strawberry's `_handle_errors`,
a hook for error reporters that this server does not override, is not called.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData

ContextT = TypeVar("ContextT")
RootT = TypeVar("RootT")


class OneOperationView(GraphQL[ContextT, RootT], Generic[ContextT, RootT]):
    """strawberry's ASGI view with the short path for one operation; `run` decides when
    to take it (a POST with neither a context nor a root value given)."""

    async def run_one_operation(self, request: Request) -> Response | None:
        """The response to a POST of one operation as a JSON object; None for any other
        body, which strawberry's `run` answers, errors included."""
        try:
            data = self.decode_json(await request.body())
        except ValueError:
            return None
        if not isinstance(data, dict | list):  # strawberry's run fails on it with a 500
            raise HTTPException(400, "The request body must be a JSON object.")
        request_data = one_operation(data)
        if request_data is None:
            return None
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, response=sub_response)
        result = await self.execute_single(
            request, self.request_adapter_class(request), sub_response, context, None, request_data
        )
        response_data = await self.process_result(request, result)
        return self.create_response(response_data, sub_response)


def one_operation(data: Any) -> GraphQLRequestData | None:
    """The operation of a request body that names one with its text and no more than
    strawberry accepts alongside; None for anything else (a batch, a trusted document's
    hash, a member of the wrong type)."""
    if type(data) is not dict:
        return None
    query, variables = data.get("query"), data.get("variables")
    operation_name, extensions = data.get("operationName"), data.get("extensions")
    if (
        type(query) is not str
        or not (variables is None or type(variables) is dict)
        or not (operation_name is None or type(operation_name) is str)
        or not (extensions is None or type(extensions) is dict)
    ):
        return None
    return GraphQLRequestData(
        query=query,
        variables=variables,
        operation_name=operation_name,
        extensions=extensions,
        protocol="http",
    )
