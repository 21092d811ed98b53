package wire

// Batch operations.

func (h *handler) registerBatch() {
	register(h, "BatchGetItem", h.db.BatchGetItem)
	register(h, "BatchWriteItem", h.db.BatchWriteItem)
}
