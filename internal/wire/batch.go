package wire

// Batch operations.

func (h *Handler) registerBatch() {
	register(h, "BatchGetItem", h.db.BatchGetItem)
	register(h, "BatchWriteItem", h.db.BatchWriteItem)
}
