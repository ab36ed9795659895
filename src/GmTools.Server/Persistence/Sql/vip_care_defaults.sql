-- VIP care's starting data (admins change it with PutVipTiers / PutVisitRule; both are data, not configuration).
-- Tiers by recharge total in fen: silver from 1,000 yuan, gold from 10,000, diamond from 50,000.
INSERT INTO vip_tier_versions (version, tiers, changed_by, changed_at, note)
VALUES (1, '[{"Name":"silver","MinRecharge":100000},{"Name":"gold","MinRecharge":1000000},{"Name":"diamond","MinRecharge":5000000}]',
        'system', now(), 'starting thresholds')
ON CONFLICT DO NOTHING;

-- The return-visit plan: welcome within 24 h of reaching a tier; periodic per tier; churn risk after 14 days
-- without login; follow-ups within 3 days of a complaint, a large compensation, or a sanction lifted as wrongful.
INSERT INTO vip_visit_rules (reason, tier, after, due_within, active, changed_by, changed_at) VALUES
    ('welcome', '', NULL, interval '24 hours', true, 'system', now()),
    ('periodic', 'silver', interval '60 days', interval '3 days', true, 'system', now()),
    ('periodic', 'gold', interval '30 days', interval '3 days', true, 'system', now()),
    ('periodic', 'diamond', interval '14 days', interval '2 days', true, 'system', now()),
    ('churn_risk', '', interval '14 days', interval '2 days', true, 'system', now()),
    ('complaint_follow_up', '', NULL, interval '3 days', true, 'system', now()),
    ('compensation_follow_up', '', NULL, interval '3 days', true, 'system', now()),
    ('sanction_follow_up', '', NULL, interval '3 days', true, 'system', now()),
    ('follow_up', '', NULL, interval '3 days', true, 'system', now())
ON CONFLICT DO NOTHING;
