// Contract refusals are expected outcomes in tests; fabric-contract-api would log each as an error.
process.env.CORE_CHAINCODE_LOGGING_LEVEL = process.env.CORE_CHAINCODE_LOGGING_LEVEL || 'CRITICAL';
