package api

import (
	"net/http"
	"strconv"
)

// The documents of WeChat's message push and of the photos it fetches to
// check (their handlers are in requests.go, whose content checks they
// serve).

// pushQuery is how WeChat signs a push: the signature is SHA-1 of the
// sorted push token, timestamp and nonce.
type pushQuery struct {
	Signature string `form:"signature"`
	Timestamp string `form:"timestamp"`
	Nonce     string `form:"nonce"`
}

var verifyWeChatPushOp = op{
	Tag: "requests", Summary: "微信消息推送校验",
	Description: "WeChat. The URL check made when message push is configured: answers echostr if signature = SHA-1 of the " +
		"sorted push token (IFUTIAN_WECHAT_PUSH_TOKEN), timestamp and nonce; else 403.",
	Query: struct {
		pushQuery
		Echostr string `form:"echostr" doc:"answered back when the signature holds"`
	}{},
	Replies: []reply{file(http.StatusOK, "echostr", "text/plain")},
	Errors:  []int{http.StatusForbidden},
}

// receiveWeChatPushOp is written out: its body is JSON or XML, as WeChat
// is configured to push.
var receiveWeChatPushOp = op{
	Tag: "requests",
	Raw: map[string]any{
		"summary": "微信消息推送",
		"description": "WeChat. Message push in plaintext mode (JSON or XML), signed as WeChat signs pushes (403 otherwise). " +
			"A wxa_media_check event records the verdict of a photo's content check (risky photos are flagged to staff and " +
			"keep their request from being public); other events are acknowledged. A verdict for a trace ID not stored yet " +
			"is 404, and WeChat pushes again.",
		"security": []any{},
		"parameters": []any{
			map[string]any{"name": "signature", "in": "query", "schema": map[string]any{"type": "string"}},
			map[string]any{"name": "timestamp", "in": "query", "schema": map[string]any{"type": "string"}},
			map[string]any{"name": "nonce", "in": "query", "schema": map[string]any{"type": "string"}},
		},
		"requestBody": map[string]any{"required": true, "content": map[string]any{
			"application/json": map[string]any{"schema": map[string]any{"type": "object"}},
			"text/xml":         map[string]any{"schema": map[string]any{"type": "string"}},
		}},
		"responses": sharedResponses(map[string]any{
			"200": map[string]any{"description": "success", "content": map[string]any{
				"text/plain": map[string]any{"schema": map[string]any{"type": "string"}}}},
		}, http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusRequestEntityTooLarge,
			http.StatusInternalServerError, http.StatusServiceUnavailable),
	},
}

var serveCheckMediaOp = op{
	Tag: "requests", Summary: "内容安全检测图片",
	Description: "WeChat. The photo a content check names, by the check's unguessable token, only " +
		"while the check waits for its verdict; else 404.",
	Path: struct {
		Token string `uri:"token" pattern:"^[0-9a-f]{64}$" doc:"the check's token"`
	}{},
	Replies: []reply{file(http.StatusOK, "the photo (Cache-Control: private, no-store)", pictureTypes...)},
}

// sharedResponses adds to a written-out operation's responses base.json's
// shared response for each error status.
func sharedResponses(responses map[string]any, statuses ...int) map[string]any {
	for _, st := range statuses {
		responses[strconv.Itoa(st)] = map[string]any{"$ref": "#/components/responses/" + sharedResponse[st]}
	}
	return responses
}
