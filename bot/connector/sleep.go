package connector

import (
	"context"
	"time"
)

// Sleep waits d or until ctx is done, whichever comes first (for the
// senders that pace themselves: campaigns, the outbox).
func Sleep(ctx context.Context, d time.Duration) { _ = sleepCtx(ctx, d) }
