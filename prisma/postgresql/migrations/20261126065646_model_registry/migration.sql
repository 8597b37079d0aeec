-- CreateTable
CREATE TABLE "models" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "license" TEXT,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "models_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "model_variants" (
    "id" TEXT NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "model_variants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sensitivity_results" (
    "id" TEXT NOT NULL,
    "variantId" TEXT NOT NULL,
    "level" TEXT NOT NULL,
    "data" TEXT NOT NULL,
    "jobId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sensitivity_results_pkey" PRIMARY KEY ("id")
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

-- AddForeignKey
ALTER TABLE "models" ADD CONSTRAINT "models_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_variants" ADD CONSTRAINT "model_variants_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "models"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_variants" ADD CONSTRAINT "model_variants_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "model_variants"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sensitivity_results" ADD CONSTRAINT "sensitivity_results_variantId_fkey" FOREIGN KEY ("variantId") REFERENCES "model_variants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
