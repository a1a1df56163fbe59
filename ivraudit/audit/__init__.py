"""The audit: what a crawl learned (nodes, edges, calls), its metrics and its outputs."""

from ivraudit.audit.model import Audit, CallRecord, EdgeRecord, NodeRecord

__all__ = ["Audit", "CallRecord", "EdgeRecord", "NodeRecord"]
