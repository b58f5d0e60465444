"""The Rekognition wire contract: moto's backend (models), responses and urls (siblings, as
moto requires), request validation, AWS's errors and limits, and serialisation."""
