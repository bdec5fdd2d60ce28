package wechat

import (
	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/miniprogram"
	"github.com/silenceper/wechat/v2/miniprogram/config"
	"github.com/silenceper/wechat/v2/miniprogram/message"
)

// newPushReceiver is the SDK's message-push receiver for token (plaintext
// pushes; it checks the signature again).
func newPushReceiver(token string) *message.PushReceiver {
	mp := miniprogram.NewMiniProgram(&config.Config{Token: token, Cache: cache.NewMemory()})
	return mp.GetMessageReceiver()
}
