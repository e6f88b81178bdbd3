-- Audit lists filter records by their fields (containment, `value @> '{"field": "value"}'`): a GIN
-- index answers them without reading every record of the type.
CREATE INDEX index_state_value ON index_state USING gin (value jsonb_path_ops);
