"""nbconvert configuration that keeps the outputs Deno's Jupyter kernel sends late.

Deno 2.9's kernel sends a cell's ``display_data`` and ``execute_result`` messages on their own
path: they often arrive just after the ``idle`` status that ends the cell, and one sent after
the next cell's request has arrived names that request as its parent. nbclient stops listening
to a cell at ``idle`` and drops what comes later, so the executed notebook misses a value or a
figure. With this file the client listens to a cell after its ``idle`` until the kernel has
been quiet for ``LateOutputs.quiet_seconds`` (far longer than the delays seen, which
``tests/jupyter_test.ts`` provokes), and only then sends the next cell. A message that still
comes later is filed under the cell it belongs to: an ``execute_result`` by its execution count
(which the kernel takes from the cell that made it), anything else by its parent request.

Used by ``tools/notebooks.ts``::

    jupyter nbconvert --config tools/jupyter_late_outputs.py --to notebook NOTEBOOK

Written against nbclient 0.7 (Debian 12), whose ``_async_poll_output_msg`` it replaces; it
stops with a clear error if a later nbclient renames that method.
"""

from nbclient.exceptions import CellExecutionComplete
from nbclient.util import ensure_async
from nbconvert.preprocessors import ExecutePreprocessor
from queue import Empty
from traitlets import Float

if not hasattr(ExecutePreprocessor, "_async_poll_output_msg"):
    raise RuntimeError(
        "tools/jupyter_late_outputs.py: this nbclient has no _async_poll_output_msg; "
        "update the file for it (it was written for nbclient 0.7)"
    )


class LateOutputs(ExecutePreprocessor):
    """Runs every code cell like ``--execute`` and files late messages under their cell."""

    quiet_seconds = Float(
        0.1, help="After a cell's idle, listen until no message came for this long."
    ).tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._cell_of_request = {}  # execute_request msg_id -> (cell, index)
        self._cell_of_count = {}  # execution count -> (cell, index)
        return super().preprocess(nb, resources, km)

    def _file(self, msg, current_request=None):
        """Files one message under its cell; True when it is the idle that ends current_request."""
        parent = msg["parent_header"].get("msg_id")
        owner = self._cell_of_request.get(parent)
        if owner is None:  # not from a cell of this run
            return False
        kind, content = msg["msg_type"], msg["content"]
        if kind == "status" and parent != current_request:  # that cell has ended already
            return False
        if kind == "execute_input":
            self._cell_of_count[content.get("execution_count")] = owner
        if kind == "execute_result":
            owner = self._cell_of_count.get(content.get("execution_count"), owner)
        try:
            self.process_message(msg, *owner)
        except CellExecutionComplete:
            return True
        return False

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        self._cell_of_request[parent_msg_id] = (cell, cell_index)
        while True:
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
            if self._file(msg, parent_msg_id):
                break
        while True:  # the cell's late messages
            try:
                msg = await ensure_async(
                    self.kc.iopub_channel.get_msg(timeout=self.quiet_seconds)
                )
            except Empty:
                return
            self._file(msg)


c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
c.NotebookExporter.preprocessors = [LateOutputs]
