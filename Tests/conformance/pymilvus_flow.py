"""pymilvus (the pinned reference client) driving an import flow, for comparisons.

    from harness import Emulator
    from pymilvus_flow import pymilvus_flow

    with Emulator("--job-seconds", "0.5") as emu:
        flow = pymilvus_flow(emu, files=[["a.json"]])
        flow.job_id, flow.created, flow.progress[-1], flow.listing   # parsed answers
        flow.requests                                                 # emu.requests() of the flow

The flow is the one in pymilvus's bulk_writer docs: bulk_import, then get_import_progress
until the job is Completed or Failed, then list_import_jobs.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from pymilvus.bulk_writer import bulk_import, get_import_progress, list_import_jobs

TERMINAL = ("Completed", "Failed")


@dataclass
class Flow:
    job_id: str
    created: dict  # the create answer, parsed
    progress: list[dict] = field(default_factory=list)  # every describe answer, parsed, in order
    listing: dict | None = None  # the list answer, parsed
    requests: list[dict] = field(default_factory=list)  # the emulator's log of the flow


def run_flow(url: str, collection_name: str = "quick_setup", files=(("a.json",),), db_name: str = "",
             api_key: str = "", cluster_id: str = "", poll_interval: float = 0.05, timeout: float = 30,
             **create_kwargs) -> Flow:
    """Create, poll describe until a terminal state, list; against any server."""
    common = {"api_key": api_key, "cluster_id": cluster_id}
    if files is not None:
        create_kwargs["files"] = [list(g) for g in files]
    created = bulk_import(url, collection_name=collection_name, db_name=db_name, **common, **create_kwargs).json()
    flow = Flow(job_id=created["data"]["jobId"], created=created)
    deadline = time.monotonic() + timeout
    while True:
        answer = get_import_progress(url, job_id=flow.job_id, db_name=db_name, **common).json()
        flow.progress.append(answer)
        if answer["data"]["state"] in TERMINAL:
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {flow.job_id} not finished after {timeout} s: {answer}")
        time.sleep(poll_interval)
    flow.listing = list_import_jobs(url, collection_name=collection_name, db_name=db_name, **common).json()
    return flow


def pymilvus_flow(emu, **kwargs) -> Flow:
    """run_flow against an emulator (reset first) and attach its request log."""
    emu.reset()
    flow = run_flow(emu.url, **kwargs)
    flow.requests = emu.requests()
    return flow
