package notify

import (
	"context"
	"errors"
	"unicode/utf8"

	"github.com/futian/ifutian/sms"
)

// SMSSender sends one text message of the configured template to an
// 11-digit phone number (sms.Client does).
type SMSSender interface {
	SendSMS(ctx context.Context, phone string, params []string) error
}

// PhoneOpener opens a sealed phone number (pii.Box does).
type PhoneOpener interface {
	Open(sealed []byte) (string, error)
}

// NewSMSDeliverer returns a Deliverer of the text messages that urgent
// notices with SMS send to recipients without WeChat reach. A phone number
// is opened only at the moment of sending, and never recorded or logged.
// The template gets one parameter: the notice's title, cut to 20
// characters.
func (s *Service) NewSMSDeliverer(send SMSSender, phones PhoneOpener, cfg DeliveryConfig) *Deliverer {
	return s.newDeliverer(smsChannel{sender: send, phones: phones}, cfg)
}

type smsChannel struct {
	sender SMSSender
	phones PhoneOpener
}

func (smsChannel) name() string { return "sms" }

func (smsChannel) unreachable(r claimed) string {
	if len(r.PhoneEnc) == 0 {
		return "resident deleted or without a phone"
	}
	return ""
}

// smsTitleLimit is the most characters of the title a text message
// carries (a template variable of Tencent Cloud SMS is short).
const smsTitleLimit = 20

func (c smsChannel) send(ctx context.Context, r claimed, m *message) error {
	phone, err := c.phones.Open(r.PhoneEnc)
	if err != nil {
		return errPhoneSealed
	}
	title := m.Title
	if utf8.RuneCountInString(title) > smsTitleLimit {
		title = string([]rune(title)[:smsTitleLimit-1]) + "…"
	}
	return c.sender.SendSMS(ctx, phone, []string{title})
}

var errPhoneSealed = errors.New("sms: the phone number can't be opened with this data key")

func (smsChannel) verdict(err error) verdict {
	switch {
	case sms.IsDailyLimit(err):
		return pause
	case sms.IsTransient(err):
		return retry
	case errors.Is(err, context.Canceled):
		return handBack
	}
	// A wrong or blacklisted number, its daily limit, a bad template: final.
	return final
}
