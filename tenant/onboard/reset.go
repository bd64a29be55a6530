package onboard

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/pkg/mail"
)

// ResetTTL is how long a password-reset link works.
const ResetTTL = 30 * time.Minute

func (a *Auth) resetKey(token string) string { return a.Prefix + "pwreset:" + hashToken(token) }

// RequestReset mails a one-time reset link to email if an account has it. It
// answers the same either way, so it does not tell who has an account, and
// sends at most one mail a minute per address.
func (a *Auth) RequestReset(ctx context.Context, email string) error {
	var f errs.Fields
	email = NormalizeEmail("email", email, &f)
	if err := f.Err(); err != nil {
		return err
	}
	acc, err := a.AccountByEmail(ctx, email)
	if errs.KindOf(err) == errs.NotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if ok, err := a.R.SetNX(ctx, a.Prefix+"pwreset-rl:"+hashToken(email), 1, time.Minute).Result(); err != nil || !ok {
		return err
	}
	token := ids.Token(24)
	if err := a.R.Set(ctx, a.resetKey(token), acc.ID, ResetTTL).Err(); err != nil {
		return err
	}
	link := a.BaseURL + "/reset/confirm?token=" + token
	return a.Mail.Send(ctx, mail.Message{To: acc.Email, Subject: "Reset your Shoplet password",
		Body: fmt.Sprintf("Someone asked to reset the password of %s.\nSet a new one within 30 minutes: %s\nIf it was not you, ignore this mail.\n", acc.Email, link)})
}

// ConfirmReset sets a new password with a reset token (once) and ends every
// signed-in session family of the account.
func (a *Auth) ConfirmReset(ctx context.Context, token, password string) error {
	var f errs.Fields
	f.Required("token", token)
	checkPassword("password", password, &f)
	if err := f.Err(); err != nil {
		return err
	}
	accountID, err := a.R.GetDel(ctx, a.resetKey(token)).Result()
	if errors.Is(err, redis.Nil) {
		return errs.Field("token", "expired", "this reset link is used or expired; ask for a new one")
	}
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	if err := a.T.P(ctx).Model(&Account{}).Where("id = ?", accountID).
		Updates(map[string]any{"password_hash": HashPassword(password), "updated_at": now}).Error; err != nil {
		return err
	}
	var families []string
	if err := a.T.P(ctx).Model(&RefreshToken{}).Where("account_id = ? AND revoked_at IS NULL", accountID).Distinct().Pluck("family_id", &families).Error; err != nil {
		return err
	}
	for _, fam := range families {
		if err := a.revokeFamily(ctx, fam); err != nil {
			return err
		}
	}
	acc, err := a.AccountByID(ctx, accountID)
	if err != nil {
		return err
	}
	return a.R.Del(ctx, a.Prefix+"login-fail:"+hashToken(acc.Email)).Err()
}
