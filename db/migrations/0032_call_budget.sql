-- Calls the bot makes (bot/transports/phone/dialling.py, issue 53). call_budget: the calls
-- placed per month against [phone] monthly_calls, taken with one conditional UPDATE (as
-- sms_budget), and the highest share the coordinators were told of (0, 80 or 100).
-- call_days: the call-backs to one number (E.164) on one day (Europe/Berlin), against
-- [phone] calls_per_number_day; only today's rows are kept.
CREATE TABLE call_budget (
    month TEXT PRIMARY KEY,
    calls INTEGER NOT NULL DEFAULT 0,
    told  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE call_days (
    day    TEXT NOT NULL,
    number TEXT NOT NULL,
    calls  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, number)
);
