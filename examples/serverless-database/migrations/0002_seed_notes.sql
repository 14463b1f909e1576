INSERT INTO notes (body) VALUES ('Hello from the W7S serverless database');
