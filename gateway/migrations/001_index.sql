-- The org's index of the channel: every write the chaincode made in a valid transaction, projected
-- from the blocks of the org's own peer. Keys are Fabric composite keys split into their object type
-- and attributes (U+0000 cannot be stored in text). Values are the records' JSON (jsonb); the rare
-- non-JSON value (an index marker byte) is kept as bytes.

-- The last block whose rows are all in the tables; written in the same transaction as those rows.
CREATE TABLE index_checkpoint (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  channel text NOT NULL,
  block_number bigint NOT NULL
);

CREATE TABLE index_blocks (
  block_number bigint PRIMARY KEY,
  tx_count integer NOT NULL,
  valid_tx_count integer NOT NULL,
  -- The timestamp of the block's first transaction (proposal time, from the block itself).
  block_time timestamptz
);

CREATE TABLE index_transactions (
  block_number bigint NOT NULL,
  tx_index integer NOT NULL,
  tx_id text NOT NULL,
  validation_code integer NOT NULL,
  creator_msp text,
  chaincode text,
  function text,
  tx_time timestamptz,
  event_name text,
  event_payload jsonb,
  PRIMARY KEY (block_number, tx_index)
);
CREATE INDEX index_transactions_tx_id ON index_transactions (tx_id);
CREATE INDEX index_transactions_event ON index_transactions (event_name, block_number);

-- Every version of every key: one row per write.
CREATE TABLE index_versions (
  key_type text COLLATE "C" NOT NULL,
  key_attrs text[] COLLATE "C" NOT NULL,
  block_number bigint NOT NULL,
  tx_index integer NOT NULL,
  tx_id text NOT NULL,
  is_delete boolean NOT NULL,
  value jsonb,
  value_bytes bytea,
  PRIMARY KEY (key_type, key_attrs, block_number, tx_index)
);
CREATE INDEX index_versions_block ON index_versions (block_number, tx_index);

-- The current state: the latest version of every key that exists.
CREATE TABLE index_state (
  key_type text COLLATE "C" NOT NULL,
  key_attrs text[] COLLATE "C" NOT NULL,
  value jsonb,
  value_bytes bytea,
  block_number bigint NOT NULL,
  tx_index integer NOT NULL,
  tx_id text NOT NULL,
  PRIMARY KEY (key_type, key_attrs)
);
CREATE INDEX index_state_block ON index_state (block_number);
