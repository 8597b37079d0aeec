-- CreateTable
CREATE TABLE "models" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "license" TEXT,
    "createdById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "models_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "users" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "model_variants" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "modelId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "parentId" TEXT,
    "recipe" TEXT,
    "report" TEXT,
    "bundleHash" TEXT NOT NULL,
    "params" BIGINT NOT NULL,
    "weightBytes" BIGINT NOT NULL,
    "diskBytes" BIGINT NOT NULL,
    "structure" TEXT,
    "jobId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "model_variants_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "models" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "model_variants_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "model_variants" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "sensitivity_results" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "variantId" TEXT NOT NULL,
    "level" TEXT NOT NULL,
    "data" TEXT NOT NULL,
    "jobId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "sensitivity_results_variantId_fkey" FOREIGN KEY ("variantId") REFERENCES "model_variants" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "models_name_key" ON "models"("name");

-- CreateIndex
CREATE UNIQUE INDEX "model_variants_jobId_key" ON "model_variants"("jobId");

-- CreateIndex
CREATE INDEX "model_variants_bundleHash_idx" ON "model_variants"("bundleHash");

-- CreateIndex
CREATE UNIQUE INDEX "model_variants_modelId_name_key" ON "model_variants"("modelId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "sensitivity_results_jobId_key" ON "sensitivity_results"("jobId");

-- CreateIndex
CREATE INDEX "sensitivity_results_variantId_level_idx" ON "sensitivity_results"("variantId", "level");
