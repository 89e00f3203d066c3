"""The ``sync`` queue's worker (SQS event source mapping, ReportBatchItemFailures): one user's
job per message (``paypulse_invoices.sync_jobs``). Answers ``{"batchItemFailures": [...]}``
with the ids of the messages that failed transiently; the others are deleted."""

from paypulse_common.runtime import queue_handler
from paypulse_invoices.sync_jobs import run

handler = queue_handler(run)
