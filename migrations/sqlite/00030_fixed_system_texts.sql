-- +goose Up
-- System notices sent before the fixed texts quoted what staff typed (an
-- activity's title and place, a program's or an enterprise's name, a case
-- reference): one activity notice carried a phishing text to every resident
-- signed up. Their copies in residents' inboxes are rewritten to the fixed
-- texts, which name the object by reference, and the template values that
-- carried such text are dropped from their subscribe data.
UPDATE notices SET body = '您报名的一项活动已取消，给您带来不便，敬请谅解。活动详情请在「i福田」小程序的活动页查看。'
    WHERE kind = 'activity_cancelled';
UPDATE notices SET body = '您候补的一项活动已有名额，您的报名已确认。活动详情请在「i福田」小程序的活动页查看；如不能参加，请在那里取消报名。'
    WHERE kind = 'activity_promoted';
UPDATE notices SET title = '免申即享：您的企业符合一项惠企政策',
    body = '您绑定的企业符合一项惠企政策的条件，无需申请即可享受。政策名称和说明请在 i福田「我的企业」的免申即享中查看。'
    WHERE kind = 'benefit_matched';
UPDATE notices SET title = '信用记录：您的企业新增一条信用记录',
    body = '您绑定的企业新增一条信用记录，计入企业信用评价。所涉案件和记录详情可在 i福田「我的企业」中查看；如有异议，可在那里提出。'
    WHERE kind = 'credit_recorded';
UPDATE notices SET title = '信用评价：您的企业信用评价有变化',
    body = '您绑定的企业的信用评价有变化。所涉记录和评价详情请在 i福田「我的企业」中查看；如对某条记录有异议，可在那里提出。'
    WHERE kind = 'grade_changed';
UPDATE notices SET title = '异议处理结果',
    body = '您绑定的企业对一条信用记录提出的异议已审核。审核说明和记录详情请在 i福田「我的企业」中查看。'
    WHERE kind = 'objection_decided';
UPDATE notices SET body = '您的积分有一笔扣减。扣减原因、分值和申诉期限请在「i福田」小程序的积分明细中查看；如有异议，可在期限内提出申诉。'
    WHERE kind = 'deduction_recorded';
UPDATE notices SET body = '您的积分申诉已有处理结果，请在「i福田」小程序的积分明细中查看。'
    WHERE kind = 'appeal_decided';
UPDATE notices SET subscribe_data = json_remove(subscribe_data, '$.activity', '$.program', '$.enterprise', '$.case_ref', '$.survey', '$.request')
    WHERE kind IN ('activity_cancelled', 'activity_promoted', 'benefit_matched', 'credit_recorded', 'grade_changed', 'objection_decided', 'deduction_recorded', 'appeal_decided')
      AND subscribe_data LIKE '{%';

-- +goose Down
-- The texts as they were are not restored: they are what this removes.
SELECT 1;
