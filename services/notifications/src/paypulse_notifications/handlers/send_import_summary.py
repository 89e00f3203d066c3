"""The ``notify`` queue's consumer (SQS event source mapping, ReportBatchItemFailures): one
ingest job's summary push per message ("12 rent notices imported"), sent once whatever the
number of messages for the job (paypulse_notifications.import_summary). Answers
``{"batchItemFailures": [...]}``: a failed publish is retried, then dead-lettered; a malformed
message is dropped."""

from paypulse_common.runtime import queue_handler
from paypulse_notifications.import_summary import send

handler = queue_handler(send)
