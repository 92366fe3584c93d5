package bot

import "github.com/gin-gonic/gin"

// Mount adds a group of routes (e.g. the campaign admin API) to the router
// NewRouter builds. Call it before NewRouter; the routes get the request
// id, panic recovery and metrics middleware like every other route.
func (b *Bot) Mount(fn func(r *gin.Engine)) { b.mounts = append(b.mounts, fn) }
